import FacilityModel

/// An import's units in the order to store them (code order), taken from one or two arrays (as two threads read
/// them) without copying them into one.
public struct OrderedUnits: Sendable {
    private let first: [AdministrativeUnit]
    private let second: [AdministrativeUnit]
    /// Positions in `first` followed by `second`; nil: `first` in its order.
    private let order: [Int]?

    public init(_ units: [AdministrativeUnit]) {
        first = units
        second = []
        order = nil
    }

    /// The units at `order`'s positions, which count `first`'s units and then `second`'s.
    public init(_ first: [AdministrativeUnit], _ second: [AdministrativeUnit], order: [Int]) {
        self.first = first
        self.second = second
        self.order = order
    }

    public var count: Int { order?.count ?? first.count }

    /// Every unit in order, copied into one array.
    public var all: [AdministrativeUnit] { withView { view in (0..<view.count).map { view[$0] } } }

    /// A copy of the unit at `index`; `withView` reads fields without copying whole units.
    public subscript(index: Int) -> AdministrativeUnit {
        withView { $0[index] }
    }

    /// Calls `body` with a view whose subscript reads the units in place (an array's subscript copies the
    /// whole unit, retaining each of its texts, even to read one field).
    public func withView<R>(_ body: (View) throws -> R) rethrows -> R {
        try first.withUnsafeBufferPointer { first in
            try second.withUnsafeBufferPointer { second in
                if let order {
                    return try order.withUnsafeBufferPointer { try body(View(first: first, second: second, order: $0)) }
                }
                return try body(View(first: first, second: second, order: nil))
            }
        }
    }

    /// The units in order, valid only inside `withView`.
    public struct View {
        let first: UnsafeBufferPointer<AdministrativeUnit>
        let second: UnsafeBufferPointer<AdministrativeUnit>
        let order: UnsafeBufferPointer<Int>?

        public var count: Int { order?.count ?? first.count }

        public subscript(index: Int) -> AdministrativeUnit {
            unsafeAddress {
                precondition(index >= 0 && index < count, "unit \(index) of \(count)")
                let position = order?[index] ?? index
                precondition(position >= 0 && position < first.count + second.count, "position \(position) past the units")
                return position < first.count ? first.baseAddress! + position
                    : second.baseAddress! + (position - first.count)
            }
        }
    }
}

