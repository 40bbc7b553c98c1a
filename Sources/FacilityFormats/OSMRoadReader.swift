import CReadOSM
import FacilityGeometry
import FacilityText
import Foundation

/// The roads of an OpenStreetMap file (`.osm.pbf` or `.osm` XML), read by libreadosm in one pass: every way with a
/// `highway` tag whose value is a road (not one of `RoadLine.notRoads`), with its `name`, `oneway`, `junction`,
/// `foot` and `access` tags.
///
/// Memory: each node as its id and its position in 1e-7 degrees (OSM's own precision) in three flat arrays (16 bytes a
/// node, found by binary search; sorted afterwards if the file's nodes are not in id order), each kept way as its
/// tags and node ids. Ways are resolved when the file has been read, so nodes may come in any order.
///
/// A way whose nodes are not all in the file (an extract cut it) gives one road for each run of two or more nodes
/// that are, each with the way's id; a way left with no such run is left out and counted (`waysCut`). A way of fewer
/// than two nodes is a `.failure` naming it.
public final class OSMRoadReader: RoadSource {
    public let path: String
    /// After `forEachRoad`: the road ways left out because fewer than two of their nodes in a row are in the file.
    public private(set) var waysCut = 0

    public init(path: String) {
        self.path = path
    }

    public func forEachRoad(_ body: (Result<RoadLine, FeatureError>) throws -> Void) throws {
        let collected = try collect()
        waysCut = 0
        collected.sortNodesIfNeeded()
        var run: [LonLat] = []
        for w in 0..<collected.ways.count {
            let way = collected.ways[w]
            var lines: [[LonLat]] = []
            var missing = 0
            run.removeAll(keepingCapacity: true)
            for k in way.refs {
                if let point = collected.position(of: collected.refs[k]) {
                    run.append(point)
                } else {
                    missing += 1
                    if run.count >= 2 { lines.append(run) }
                    run.removeAll(keepingCapacity: true)
                }
            }
            if run.count >= 2 { lines.append(run) }
            if lines.isEmpty {
                if missing > 0 {
                    waysCut += 1
                } else {
                    try body(.failure(FeatureError(index: w, line: w + 1, reason: Phrase("road.way-short", String(way.id), String(way.refs.count)))))
                }
                continue
            }
            for line in lines {
                try body(.success(RoadLine(id: way.id, highway: way.highway, name: way.name, oneway: way.oneway,
                                           junction: way.junction, foot: way.foot, access: way.access, points: line)))
            }
        }
    }

    /// Reads the whole file through libreadosm: its nodes, and the ways that are roads.
    private func collect() throws -> OSMCollection {
        var handle: UnsafeRawPointer?
        var rc = readosm_open(path, &handle)
        defer { readosm_close(handle) }
        guard rc == READOSM_OK else {
            if rc == READOSM_FILE_NOT_FOUND { throw RoadFileError.unreadable(path: path, reason: Self.reason(rc)) }
            throw RoadFileError.damaged(path: path, reason: Self.reason(rc))
        }
        let collection = OSMCollection()
        let context = Unmanaged.passUnretained(collection).toOpaque()
        rc = readosm_parse(handle, context, { context, node in
            guard let context, let node else { return READOSM_OK }
            Unmanaged<OSMCollection>.fromOpaque(context).takeUnretainedValue().add(node.pointee)
            return READOSM_OK
        }, { context, way in
            guard let context, let way else { return READOSM_OK }
            Unmanaged<OSMCollection>.fromOpaque(context).takeUnretainedValue().add(way.pointee)
            return READOSM_OK
        }, nil)
        guard rc == READOSM_OK else { throw RoadFileError.damaged(path: path, reason: Self.reason(rc)) }
        return collection
    }

    /// What a libreadosm status means, in words.
    static func reason(_ rc: Int32) -> String {
        switch rc {
        case READOSM_INVALID_SUFFIX: "libreadosm reads only files named .osm or .pbf"
        case READOSM_FILE_NOT_FOUND: "no such file, or it cannot be opened"
        case READOSM_INSUFFICIENT_MEMORY: "libreadosm ran out of memory"
        case READOSM_READ_ERROR: "libreadosm: read error (the file ends before its last block, or a block is damaged)"
        case READOSM_XML_ERROR: "libreadosm: XML parser error (the XML is cut or malformed)"
        case READOSM_INVALID_PBF_HEADER: "libreadosm: invalid PBF header (not an OpenStreetMap PBF file, or a damaged one)"
        case READOSM_UNZIP_ERROR: "libreadosm: a compressed block cannot be inflated (the file is damaged or cut)"
        case READOSM_CREATE_XML_PARSER_ERROR: "libreadosm could not create its XML parser"
        default: "libreadosm error \(rc)"
        }
    }
}

/// A file's nodes (flat, by id) and its road ways, as libreadosm hands them over.
final class OSMCollection {
    struct Way {
        let id: Int64
        /// The way's node ids: positions in `refs`.
        let refs: Range<Int>
        let highway: String
        let name: String?
        let oneway: String?
        let junction: String?
        let foot: String?
        let access: String?
    }

    private(set) var nodeIDs: [Int64] = []
    /// Longitude and latitude in 1e-7 degrees.
    private(set) var nodeLon: [Int32] = []
    private(set) var nodeLat: [Int32] = []
    private var sorted = true
    private(set) var refs: [Int64] = []
    private(set) var ways: [Way] = []

    func add(_ node: readosm_node) {
        if let last = nodeIDs.last, node.id <= last { sorted = false }
        nodeIDs.append(node.id)
        nodeLon.append(Int32(clamping: Int64((node.longitude * 1e7).rounded())))
        nodeLat.append(Int32(clamping: Int64((node.latitude * 1e7).rounded())))
    }

    func add(_ way: readosm_way) {
        guard way.tag_count > 0, let tags = way.tags else { return }
        var highway: String?, name: String?, oneway: String?, junction: String?, foot: String?, access: String?
        for t in 0..<Int(way.tag_count) {
            guard let key = tags[t].key, let value = tags[t].value else { continue }
            switch key[0] {
            case 0x68 where strcmp(key, "highway") == 0: highway = String(cString: value)
            case 0x6E where strcmp(key, "name") == 0: name = String(cString: value)
            case 0x6F where strcmp(key, "oneway") == 0: oneway = String(cString: value)
            case 0x6A where strcmp(key, "junction") == 0: junction = String(cString: value)
            case 0x66 where strcmp(key, "foot") == 0: foot = String(cString: value)
            case 0x61 where strcmp(key, "access") == 0: access = String(cString: value)
            default: break
            }
        }
        guard let highway, !RoadLine.notRoads.contains(highway) else { return }
        let start = refs.count
        if way.node_ref_count > 0, let nodeRefs = way.node_refs {
            refs.append(contentsOf: UnsafeBufferPointer(start: nodeRefs, count: Int(way.node_ref_count)))
        }
        ways.append(Way(id: way.id, refs: start..<refs.count, highway: highway, name: name, oneway: oneway,
                        junction: junction, foot: foot, access: access))
    }

    /// Puts the nodes in id order when the file did not give them so (a repeated id keeps the first).
    func sortNodesIfNeeded() {
        guard !sorted else { return }
        let order = nodeIDs.indices.sorted { nodeIDs[$0] < nodeIDs[$1] || (nodeIDs[$0] == nodeIDs[$1] && $0 < $1) }
        nodeIDs = order.map { nodeIDs[$0] }
        nodeLon = order.map { nodeLon[$0] }
        nodeLat = order.map { nodeLat[$0] }
        sorted = true
    }

    /// The position of the node `id`, if the file has it.
    func position(of id: Int64) -> LonLat? {
        var low = 0, high = nodeIDs.count
        while low < high {
            let mid = (low + high) / 2
            if nodeIDs[mid] < id { low = mid + 1 } else { high = mid }
        }
        guard low < nodeIDs.count, nodeIDs[low] == id else { return nil }
        return LonLat(Double(nodeLon[low]) / 1e7, Double(nodeLat[low]) / 1e7)
    }
}
