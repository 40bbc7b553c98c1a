#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FacilityGeometry

/// Geographic coordinate systems met in Chinese data, all as lon/lat degrees.
///
/// - `wgs84`: GPS, EPSG:4326; what the store holds.
/// - `cgcs2000`: China's national datum (EPSG:4490, Tianditu); within centimetres of WGS-84, so
///   treated as identical.
/// - `gcj02`: the "Mars" offset used by AMap/Gaode, Tencent and Google China; 100–700 m from WGS-84.
/// - `bd09`: Baidu's further offset on top of GCJ-02.
public enum CoordinateSystem: String, Sendable, CaseIterable {
    case wgs84, cgcs2000, gcj02, bd09

    /// Parses a command-line name, case-insensitively: the case names, plus "epsg:4326", "4326",
    /// "wgs-84" (wgs84); "epsg:4490", "4490" (cgcs2000); "gcj-02", "mars" (gcj02); "bd-09", "baidu" (bd09).
    public init?(argument: String) {
        switch argument.trimmingWhitespace().lowercased() {
        case "wgs84", "wgs-84", "epsg:4326", "4326": self = .wgs84
        case "cgcs2000", "epsg:4490", "4490": self = .cgcs2000
        case "gcj02", "gcj-02", "mars": self = .gcj02
        case "bd09", "bd-09", "baidu": self = .bd09
        default: return nil
        }
    }

    /// Converts a position in this system to WGS-84 degrees.
    ///
    /// GCJ-02 → WGS-84 inverts the published offset by fixed-point iteration to under 1e-7°
    /// (~1 cm), not the common one-step approximation (off by up to ~1 m). Outside the
    /// GCJ-02 box of China (lon 72.004–137.8347, lat 0.8293–55.8271) GCJ-02 equals WGS-84.
    /// BD-09 goes through GCJ-02 (the BD-09 → GCJ-02 step is the published one-step formula).
    /// Non-finite input gives non-finite output.
    public func toWGS84(_ p: LonLat) -> LonLat {
        switch self {
        case .wgs84, .cgcs2000: return p
        case .gcj02: return gcj02ToWGS84(p)
        case .bd09: return gcj02ToWGS84(bd09ToGCJ02(p))
        }
    }

    /// Converts a position from this system to `target`. GCJ-02 ↔ BD-09 use the published
    /// formulas directly; every other pair goes through WGS-84.
    public func converted(_ p: LonLat, to target: CoordinateSystem) -> LonLat {
        switch (self, target) {
        case (.gcj02, .bd09): return gcj02ToBD09(p)
        case (.bd09, .gcj02): return bd09ToGCJ02(p)
        default: return self == target ? p : target.fromWGS84(toWGS84(p))
        }
    }

    /// Converts a WGS-84 position (degrees) into this system; see `toWGS84` for the rules.
    public func fromWGS84(_ p: LonLat) -> LonLat {
        switch self {
        case .wgs84, .cgcs2000: return p
        case .gcj02: return wgs84ToGCJ02(p)
        case .bd09: return gcj02ToBD09(wgs84ToGCJ02(p))
        }
    }
}

// MARK: - Published formulas

private let krasovskyA = 6378245.0
private let krasovskyEE = 0.00669342162296594323
private let xPi = Double.pi * 3000.0 / 180.0

/// True outside the rough box where GCJ-02 applies an offset.
func isOutsideGCJ02Region(_ p: LonLat) -> Bool {
    !(p.lon >= 72.004 && p.lon <= 137.8347 && p.lat >= 0.8293 && p.lat <= 55.8271)
}

private func transformLat(_ x: Double, _ y: Double) -> Double {
    var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
    ret += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
    ret += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
    ret += (160.0 * sin(y / 12.0 * .pi) + 320.0 * sin(y * .pi / 30.0)) * 2.0 / 3.0
    return ret
}

private func transformLon(_ x: Double, _ y: Double) -> Double {
    var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
    ret += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
    ret += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
    ret += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
    return ret
}

/// WGS-84 → GCJ-02 (published algorithm; identity outside China's box).
func wgs84ToGCJ02(_ p: LonLat) -> LonLat {
    guard p.isFinite, !isOutsideGCJ02Region(p) else { return p }
    return LonLat(p.lon, p.lat).adding(gcj02Offset(p))
}

private func gcj02Offset(_ p: LonLat) -> (dLon: Double, dLat: Double) {
    var dLat = transformLat(p.lon - 105.0, p.lat - 35.0)
    var dLon = transformLon(p.lon - 105.0, p.lat - 35.0)
    let radLat = p.lat / 180.0 * .pi
    var magic = sin(radLat)
    magic = 1 - krasovskyEE * magic * magic
    let sqrtMagic = magic.squareRoot()
    dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * .pi)
    dLon = (dLon * 180.0) / (krasovskyA / sqrtMagic * cos(radLat) * .pi)
    return (dLon, dLat)
}

/// GCJ-02 → WGS-84 by iterating w ← w + (g − forward(w)) until the step is under 1e-9°.
func gcj02ToWGS84(_ g: LonLat) -> LonLat {
    guard g.isFinite, !isOutsideGCJ02Region(g) else { return g }
    var w = g
    for _ in 0..<30 {
        let forward = wgs84ToGCJ02(w)
        let dLon = g.lon - forward.lon, dLat = g.lat - forward.lat
        w = LonLat(w.lon + dLon, w.lat + dLat)
        if abs(dLon) < 1e-9 && abs(dLat) < 1e-9 { break }
    }
    return w
}

/// GCJ-02 → BD-09 (published formula).
func gcj02ToBD09(_ p: LonLat) -> LonLat {
    let x = p.lon, y = p.lat
    let z = (x * x + y * y).squareRoot() + 0.00002 * sin(y * xPi)
    let theta = atan2(y, x) + 0.000003 * cos(x * xPi)
    return LonLat(z * cos(theta) + 0.0065, z * sin(theta) + 0.006)
}

/// BD-09 → GCJ-02 (published one-step formula).
func bd09ToGCJ02(_ p: LonLat) -> LonLat {
    let x = p.lon - 0.0065, y = p.lat - 0.006
    let z = (x * x + y * y).squareRoot() - 0.00002 * sin(y * xPi)
    let theta = atan2(y, x) - 0.000003 * cos(x * xPi)
    return LonLat(z * cos(theta), z * sin(theta))
}

private extension LonLat {
    func adding(_ d: (dLon: Double, dLat: Double)) -> LonLat { LonLat(lon + d.dLon, lat + d.dLat) }
}

fileprivate extension String {
    /// The string without leading and trailing ASCII spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
