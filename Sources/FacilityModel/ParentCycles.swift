/// Cuts the links that close cycles in a tree given as parent positions (-1: no parent), so that every walk up
/// or down the tree ends: a unit that is its own ancestor (a parent of itself, or through others) keeps its place
/// but loses the parent link that closes the circle. Returns the positions whose link was cut, in order.
///
/// A store can hold such a tree only if it was edited by other means (imports refuse cycles), and `check` reports
/// it; each walk works on the tree with the cycle cut rather than running on forever.
@discardableResult
public func cutParentCycles<Position: BinaryInteger>(_ parent: inout [Position]) -> [Int] {
    var state = [UInt8](repeating: 0, count: parent.count)  // 0 not seen, 1 on the current path, 2 done
    var cut: [Int] = []
    var path: [Int] = []
    for start in parent.indices where state[start] == 0 {
        path.removeAll(keepingCapacity: true)
        var j = start
        while j >= 0 && j < parent.count && state[j] == 0 {
            state[j] = 1
            path.append(j)
            j = Int(parent[j])
        }
        if j >= 0 && j < parent.count && state[j] == 1, let last = path.last {
            parent[last] = -1
            cut.append(last)
        }
        for p in path { state[p] = 2 }
    }
    return cut
}
