import FacilityGeometry
import FacilityModel
import FacilityRegistry

// The roads layer on SQLite: table `roads` (migration 7), each line a SpatiaLite LINESTRING made from WKB, under an
// R*Tree (`CreateSpatialIndex`), so that GDAL and QGIS read it as a layer.

extension SQLiteStore {
    public func forEachRoad(_ body: (Road) throws -> Void) throws {
        try read {
            let statement = try Statement(database: db, sql: """
                SELECT osm_id, highway, name, oneway, foot, access, AsBinary(geometry) FROM roads ORDER BY osm_id, id
                """)
            defer { statement.finalize() }
            while try statement.step() {
                guard let blob = statement.blob(6), let points = LineStringWKB.decode(blob) else {
                    throw StoreError.sqlite(path: path, code: 0, message: "a road's geometry is not a LineString", sql: statement.sql)
                }
                try body(Road(id: Int64(statement.int(0) ?? 0), highway: statement.text(1) ?? "", name: statement.text(2),
                              oneway: Road.Oneway(rawValue: Int8(clamping: statement.int(3) ?? 0)) ?? .no,
                              foot: statement.text(4), access: statement.text(5), points: points))
            }
        }
    }

    public func roadCount() throws -> Int {
        try db.scalar("SELECT count(*) FROM roads")?.int ?? 0
    }
}

extension StoreWriter {
    public func deleteRoads() throws {
        try db.run("DELETE FROM roads")
    }

    /// Inserts the roads through one statement prepared for the transaction, the line bound as WKB.
    public func store(roads: [Road]) throws {
        let statement: Statement
        if let prepared = store.roadInsert {
            statement = prepared
        } else {
            statement = try Statement(database: db, sql: """
                INSERT INTO roads (osm_id, highway, name, oneway, foot, access, geometry)
                VALUES (?, ?, ?, ?, ?, ?, GeomFromWKB(?, 4326))
                """)
            store.roadInsert = statement
        }
        for road in roads {
            try statement.bind([.integer(road.id), .text(road.highway), SQLValue(road.name), .integer(Int64(road.oneway.rawValue)),
                                SQLValue(road.foot), SQLValue(road.access), .blob(LineStringWKB.encode(road.points))])
            _ = try statement.step()
            statement.reset()
        }
    }
}
