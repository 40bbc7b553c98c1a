import FacilityGeometry
import FacilityModel
import FacilityRegistry

// The roads layer on PostgreSQL: table `roads` (version 7), lines as `geometry(LineString, 4326)` under a GiST index,
// stored through COPY as facilities are.

extension PostGISStore {
    public func forEachRoad(_ body: (Road) throws -> Void) throws {
        try connection.forEachRow("""
            SELECT osm_id, highway, name, oneway, foot, access, encode(ST_AsBinary(geometry, 'NDR'), 'hex')
            FROM roads ORDER BY osm_id, id
            """) { row in
            guard let wkb = row.hexBytes(6), let points = LineStringWKB.decode(wkb) else {
                throw PostgresError("\(connection.shownURL): a road's geometry is not a LineString")
            }
            try body(Road(id: Int64(row.int(0) ?? 0), highway: row.text(1) ?? "", name: row.text(2),
                          oneway: Road.Oneway(rawValue: Int8(clamping: row.int(3) ?? 0)) ?? .no,
                          foot: row.text(4), access: row.text(5), points: points))
        }
    }

    public func roadCount() throws -> Int {
        try connection.integer("SELECT count(*) FROM roads") ?? 0
    }
}

extension PostGISWriter {
    func deleteRoads() throws {
        try connection.execute("DELETE FROM roads")
    }

    /// COPYs the roads in, numbered after the largest stored (the writer lock keeps that number ours).
    func store(roads: [Road]) throws {
        guard !roads.isEmpty else { return }
        var next = try scalar("SELECT coalesce(max(id), 0) + 1 FROM roads")
        try connection.copy(into: "roads", columns: ["id", "osm_id", "highway", "name", "oneway", "foot", "access", "geometry"]) { send in
            for road in roads {
                let wkb = try PostGISStore.ewkb(PostGISStore.hex(LineStringWKB.encode(road.points)))
                try send([String(next), String(road.id), road.highway, road.name, String(road.oneway.rawValue), road.foot,
                          road.access, wkb])
                next += 1
            }
        }
    }
}
