import FacilityCoverage
import FacilityFormats
import FacilityGeometry
import FacilityModel
import Foundation

/// Web Mercator (EPSG:3857) as slippy maps address it: the world a unit square, x from the antimeridian eastward,
/// y from the north (±85.0511°) southward; tile (z, x, y) is 1/2^z of it on a side. Base-map tiles and the
/// registry's own are cut this way.
public enum WebMercator {
    public static let maxLatitude = 85.051_128_779_806_59

    /// `point` in the unit square.
    @inline(__always)
    public static func world(_ point: LonLat) -> (x: Double, y: Double) {
        let lat = min(maxLatitude, max(-maxLatitude, point.lat)) * .pi / 180
        let y = (1 - log(tan(lat) + 1 / cos(lat)) / .pi) / 2
        return ((point.lon + 180) / 360, y)
    }
}

/// Points sorted along a Z-order curve of a 2^24 × 2^24 Web Mercator grid, so that the points of any tile down to
/// zoom 24 are one range of them (found by two binary searches).
public struct TiledPoints: Sendable {
    static let depth = 24
    /// Z-order codes, ascending.
    let codes: [UInt64]
    /// The point each code is of: its position in the array the index was made from.
    public let positions: [Int32]
    /// The points' grid cells (the code's x and y).
    let cellX: [UInt32], cellY: [UInt32]

    public var count: Int { codes.count }

    /// An index of `points` (positions in the order given).
    public init(_ points: [LonLat]) {
        let side = Double(1 << Self.depth)
        var keyed = [(code: UInt64, position: Int32, x: UInt32, y: UInt32)]()
        keyed.reserveCapacity(points.count)
        for (i, point) in points.enumerated() where point.lon.isFinite && point.lat.isFinite {
            let (wx, wy) = WebMercator.world(point)
            let x = UInt32(min(side - 1, max(0, (wx * side).rounded(.down))))
            let y = UInt32(min(side - 1, max(0, (wy * side).rounded(.down))))
            keyed.append((Self.interleave(x, y), Int32(i), x, y))
        }
        keyed.sort { $0.code < $1.code }
        codes = keyed.map(\.code)
        positions = keyed.map(\.position)
        cellX = keyed.map(\.x)
        cellY = keyed.map(\.y)
    }

    @inline(__always)
    static func spread(_ v: UInt32) -> UInt64 {
        var x = UInt64(v) & 0xFFFF_FFFF
        x = (x | (x << 16)) & 0x0000_FFFF_0000_FFFF
        x = (x | (x << 8)) & 0x00FF_00FF_00FF_00FF
        x = (x | (x << 4)) & 0x0F0F_0F0F_0F0F_0F0F
        x = (x | (x << 2)) & 0x3333_3333_3333_3333
        x = (x | (x << 1)) & 0x5555_5555_5555_5555
        return x
    }

    @inline(__always)
    static func interleave(_ x: UInt32, _ y: UInt32) -> UInt64 { spread(x) | (spread(y) << 1) }

    /// The entries (indexes into `positions`) inside tile (`z`, `x`, `y`); empty for a tile outside the world.
    public func range(z: Int, x: Int, y: Int) -> Range<Int> {
        guard z >= 0, z <= Self.depth, x >= 0, y >= 0, x < 1 << z, y < 1 << z else { return 0..<0 }
        let shift = UInt64(2 * (Self.depth - z))
        let low = Self.interleave(UInt32(x), UInt32(y)) << shift
        let high = low + (1 << shift)
        return lowerBound(low)..<lowerBound(high)
    }

    private func lowerBound(_ code: UInt64) -> Int {
        var low = 0, high = codes.count
        while low < high {
            let mid = (low + high) / 2
            if codes[mid] < code { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// Entry `i`'s position in tile (`z`, `x`, `y`) in pixels of a 256-pixel tile (the cell's centre).
    @inline(__always)
    func pixel(_ i: Int, z: Int, x: Int, y: Int) -> (Double, Double) {
        let scale = 256 / Double(1 << (Self.depth - min(z, Self.depth)))
        return ((Double(cellX[i]) + 0.5) * scale - Double(x) * 256, (Double(cellY[i]) + 0.5) * scale - Double(y) * 256)
    }
}

/// The registry's facilities (and a target's uncovered units) drawn as 256-pixel PNG tiles, every facility at
/// every zoom: at low zooms they merge into a density of their kinds' colours, closer in they are dots.
public struct FacilityTiles: Sendable {
    /// What a tile shows.
    public struct Style: Sendable, Hashable {
        /// Facilities counted on this day (as `Facility.isOpen(on:)`).
        public var day: Int32
        /// Kinds (`FacilityKind` ordinals) left out.
        public var hidden: Set<UInt8>
        /// Kinds drawn larger, the others faint (a target's kinds); empty: all alike.
        public var emphasized: Set<UInt8>

        public init(day: Int32, hidden: Set<UInt8> = [], emphasized: Set<UInt8> = []) {
            self.day = day
            self.hidden = hidden
            self.emphasized = emphasized
        }
    }

    public let facilities: FacilityColumns
    public let index: TiledPoints

    public init(facilities: FacilityColumns) {
        self.facilities = facilities
        index = TiledPoints(facilities.location)
    }

    static let colors: [PNGImage.Color] = CoverageMap.kindColors.map { PNGImage.Color(hex: $0)! }
    static let black = PNGImage.Color(red: 0, green: 0, blue: 0)

    /// Tile (`z`, `x`, `y`) as a PNG: the facilities `style` shows, then `uncovered`'s points (positions in
    /// `uncoveredPoints`) as black crosses. Points just outside the tile are drawn too, so that dots on its edge are
    /// whole. Nil for a tile outside the world.
    public func png(z: Int, x: Int, y: Int, style: Style, uncovered: TiledPoints? = nil) -> [UInt8]? {
        guard z >= 0, z <= TiledPoints.depth, x >= 0, y >= 0, x < 1 << z, y < 1 << z else { return nil }
        var image = PNGImage(width: 256, height: 256)
        let (small, large): (Double, Double) = z <= 5 ? (0.8, 1.3) : z <= 8 ? (1.0, 1.8) : (1.3, 2.6)
        let faint: Float = style.emphasized.isEmpty ? 0.75 : 0.25
        let margin = 4.0
        // Faint kinds first, the emphasized over them.
        for pass in 0..<(style.emphasized.isEmpty ? 1 : 2) {
            for (tx, ty) in Self.neighbourhood(z: z, x: x, y: y) {
                for i in index.range(z: z, x: tx, y: ty) {
                    let f = Int(index.positions[i])
                    let kind = facilities.kind[f]
                    if style.hidden.contains(kind) || !facilities.isOpen(f, on: style.day) { continue }
                    let emphasized = style.emphasized.contains(kind)
                    if style.emphasized.isEmpty ? false : (emphasized != (pass == 1)) { continue }
                    let (px, py) = index.pixel(i, z: z, x: x, y: y)
                    if px < -margin || py < -margin || px > 256 + margin || py > 256 + margin { continue }
                    let color = Self.colors[Int(kind) % Self.colors.count]
                    if emphasized { image.dot(px, py, radius: large, color, opacity: 0.85) }
                    else { image.dot(px, py, radius: style.emphasized.isEmpty ? small * 1.2 : small, color, opacity: faint) }
                }
            }
        }
        if let uncovered {
            for (tx, ty) in Self.neighbourhood(z: z, x: x, y: y) {
                for i in uncovered.range(z: z, x: tx, y: ty) {
                    let (px, py) = uncovered.pixel(i, z: z, x: x, y: y)
                    if px < -margin || py < -margin || px > 256 + margin || py > 256 + margin { continue }
                    image.cross(px, py, size: z <= 5 ? 1.5 : z <= 8 ? 2.5 : 3.5, thickness: z <= 5 ? 1 : 1.4, Self.black, opacity: z <= 5 ? 0.5 : 0.85)
                }
            }
        }
        return image.png(level: 3)
    }

    /// The tile and the eight around it that exist.
    static func neighbourhood(z: Int, x: Int, y: Int) -> [(Int, Int)] {
        let side = 1 << z
        var tiles = [(x, y)]
        for dy in -1...1 { for dx in -1...1 where dx != 0 || dy != 0 {
            let nx = x + dx, ny = y + dy
            if nx >= 0, ny >= 0, nx < side, ny < side { tiles.append((nx, ny)) }
        } }
        return tiles
    }
}
