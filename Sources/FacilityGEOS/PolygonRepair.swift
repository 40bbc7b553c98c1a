import CGEOS
import FacilityGeometry
import Foundation

/// What the GEOS work of one import may spend: wall-clock time and growth of the process's resident memory,
/// both checked while GEOS works (through its interruption callback), so that no polygon, however it is made,
/// holds a thread or memory beyond them.
public struct GeometryBudget: Sendable, Equatable {
    /// Seconds of GEOS work (validity checks and repairs) for the whole import.
    public var seconds: Double
    /// How far the process's resident memory may grow above what it was when the work began.
    public var memoryBytes: Int

    public init(seconds: Double = 30, memoryBytes: Int = 1 << 30) {
        self.seconds = seconds
        self.memoryBytes = memoryBytes
    }
}

/// A budget was spent while GEOS worked on one geometry.
public struct GeometryBudgetExceeded: Error, Equatable, CustomStringConvertible {
    public enum Resource: String, Sendable { case time, memory }
    public let resource: Resource
    public let budget: GeometryBudget

    public var description: String {
        switch resource {
        case .time: return "checking and repairing the polygons took more than \(Self.seconds(budget.seconds)) s"
        case .memory: return "checking and repairing the polygons needed more than \(budget.memoryBytes >> 20) MB of memory"
        }
    }

    /// Seconds as a person writes them: `30`, `2.5`.
    public static func seconds(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// Why a geometry is not valid, as GEOS says it (e.g. "Self-intersection[112.5 34.6]").
public struct PolygonValidity: Sendable, Equatable {
    public let isValid: Bool
    public let reason: String?

    public init(isValid: Bool, reason: String?) {
        self.isValid = isValid
        self.reason = reason
    }
}

/// Validity checks and repairs of polygons through GEOS (libgeos_c), inside a `GeometryBudget`.
///
/// One instance serves one import on one thread at a time (it holds a GEOS context). The repair is GEOS's
/// `MakeValid` with the *structure* method (GEOS ≥ 3.10; PostGIS's `ST_MakeValid(g, 'method=structure')`): the
/// shells' area less the holes', dissolved, and never a line or point — its cost grows as n log n with the
/// vertices, where the linework method (SpatiaLite's `ST_MakeValid`) grows with their square.
public final class PolygonRepair {
    public let budget: GeometryBudget
    private let handle: GEOSContextHandle_t
    private let reader: OpaquePointer
    private let writer: OpaquePointer
    private let parameters: OpaquePointer
    /// GEOS's last error message (its message handler writes it here).
    fileprivate var lastError: String?
    fileprivate var meter: Meter

    /// Starts the budget's clock and memory baseline.
    public init(budget: GeometryBudget = GeometryBudget()) {
        self.budget = budget
        installInterruptCallback()
        handle = GEOS_init_r()
        reader = GEOSWKBReader_create_r(handle)
        writer = GEOSWKBWriter_create_r(handle)
        parameters = GEOSMakeValidParams_create_r(handle)
        GEOSMakeValidParams_setMethod_r(handle, parameters, GEOS_MAKE_VALID_STRUCTURE)
        GEOSMakeValidParams_setKeepCollapsed_r(handle, parameters, 0)
        meter = Meter(budget: budget)
        GEOSContext_setErrorMessageHandler_r(handle, { message, context in
            guard let context else { return }
            Unmanaged<PolygonRepair>.fromOpaque(context).takeUnretainedValue().lastError = message.map { String(cString: $0) }
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        GEOSMakeValidParams_destroy_r(handle, parameters)
        GEOSWKBWriter_destroy_r(handle, writer)
        GEOSWKBReader_destroy_r(handle, reader)
        GEOS_finish_r(handle)
    }

    /// Whether `polygon` is valid as OGC simple features define it (rings that do not cross, parts that do not
    /// overlap), and if not, GEOS's reason.
    public func validity(of polygon: MultiPolygon) throws -> PolygonValidity {
        try withGeometry(.multiPolygon(polygon)) { geometry in
            let valid = try metered({ GEOSisValid_r(handle, geometry) }, failed: { $0 == 2 })
            if valid == 2 { throw failure(.checking) }
            if valid == 1 { return PolygonValidity(isValid: true, reason: nil) }
            guard let text = try metered({ GEOSisValidReason_r(handle, geometry) }, failed: { $0 == nil }) else {
                return PolygonValidity(isValid: false, reason: nil)
            }
            defer { GEOSFree_r(handle, text) }
            return PolygonValidity(isValid: false, reason: String(cString: text))
        }
    }

    /// A valid multipolygon over the same area (GEOS `MakeValid`, structure method), or nil when nothing of
    /// area is left.
    ///
    /// Each part is repaired on its own (GEOS unions the pieces of a MultiPolygon it repairs, which for a part cut
    /// into 10,000 pieces takes seconds where the part alone takes a tenth of one); only when the repaired parts
    /// overlap are they dissolved (`UnaryUnion`).
    public func makeValid(_ polygon: MultiPolygon) throws -> MultiPolygon? {
        var pieces: [Polygon] = []
        for part in polygon.polygons {
            try withGeometry(.polygon(part)) { geometry in
                guard let repaired = try metered({ GEOSMakeValidWithParams_r(handle, geometry, parameters) }, failed: { $0 == nil }) else {
                    throw failure(.repairing)
                }
                defer { GEOSGeom_destroy_r(handle, repaired) }
                try collectPolygons(repaired, into: &pieces)
            }
        }
        guard !pieces.isEmpty else { return nil }
        let combined = MultiPolygon(pieces)
        if try polygon.polygons.count == 1 || validity(of: combined).isValid { return combined }
        return try withGeometry(.multiPolygon(combined)) { geometry in
            guard let dissolved = try metered({ GEOSUnaryUnion_r(handle, geometry) }, failed: { $0 == nil }) else {
                throw failure(.dissolving)
            }
            defer { GEOSGeom_destroy_r(handle, dissolved) }
            var polygons: [Polygon] = []
            try collectPolygons(dissolved, into: &polygons)
            return polygons.isEmpty ? nil : MultiPolygon(polygons)
        }
    }

    // MARK: GEOS plumbing

    private func withGeometry<T>(_ polygon: Geometry, _ body: (OpaquePointer) throws -> T) throws -> T {
        let wkb = polygon.wkb
        guard let geometry = wkb.withUnsafeBufferPointer({ GEOSWKBReader_read_r(handle, reader, $0.baseAddress, $0.count) }) else {
            throw failure(.reading)
        }
        defer { GEOSGeom_destroy_r(handle, geometry) }
        return try body(geometry)
    }

    /// The polygons of `geometry` (a Polygon, a MultiPolygon, or a collection holding them) appended to `polygons`.
    private func collectPolygons(_ geometry: OpaquePointer, into polygons: inout [Polygon]) throws {
        switch GEOSGeomTypeId_r(handle, geometry) {
        case Int32(GEOS_POLYGON.rawValue), Int32(GEOS_MULTIPOLYGON.rawValue):
            if GEOSisEmpty_r(handle, geometry) == 1 { return }
            var size = 0
            guard let bytes = GEOSWKBWriter_write_r(handle, writer, geometry, &size) else { throw failure(.writing) }
            defer { GEOSFree_r(handle, bytes) }
            let parsed = try Geometry(wkb: UnsafeBufferPointer(start: bytes, count: size))
            if let multi = parsed.asMultiPolygon { polygons += multi.polygons }
        case Int32(GEOS_GEOMETRYCOLLECTION.rawValue):
            for index in 0..<max(0, GEOSGetNumGeometries_r(handle, geometry)) {
                if let part = GEOSGetGeometryN_r(handle, geometry, index) { try collectPolygons(part, into: &polygons) }
            }
        default:
            return  // lines and points left by a repair have no area
        }
    }

    /// Runs one GEOS call with this instance's meter on the thread (the interruption callback reads it).
    ///
    /// GEOS 3.11 keeps an interruption request in one flag for the process: a call on another thread may take a
    /// request meant for this one. A call interrupted while its own budget holds is run again (three times at most).
    private func metered<T>(_ call: () -> T, failed: (T) -> Bool) throws -> T {
        let previous = pthread_getspecific(meterKey)
        pthread_setspecific(meterKey, Unmanaged.passUnretained(self).toOpaque())
        defer { pthread_setspecific(meterKey, previous) }
        var attempts = 0
        while true {
            if let spent = meter.exceeded { throw GeometryBudgetExceeded(resource: spent, budget: budget) }
            lastError = nil
            let result = call()
            if let spent = meter.exceeded { throw GeometryBudgetExceeded(resource: spent, budget: budget) }
            attempts += 1
            guard failed(result), attempts < 3, lastError?.contains("nterrupt") == true else { return result }
        }
    }

    private func failure(_ step: PolygonRepairError.Step) -> PolygonRepairError {
        PolygonRepairError(step: step, reason: lastError)
    }
}

/// GEOS could not read, check or repair a geometry (not a budget: that is `GeometryBudgetExceeded`).
public struct PolygonRepairError: Error, Equatable, CustomStringConvertible {
    /// What GEOS was doing.
    public enum Step: String, Sendable {
        case checking = "checking the polygon", repairing = "repairing the polygon", dissolving = "dissolving the repaired parts",
             reading = "reading the polygon", writing = "writing the polygon"
    }
    public let step: Step
    /// GEOS's own message; nil when it gave none.
    public let reason: String?

    public init(step: Step, reason: String?) {
        self.step = step
        self.reason = reason
    }

    public var message: String { "GEOS failed \(step.rawValue): \(reason ?? "no reason given")" }
    public var description: String { message }
}

// MARK: - The budget's meter

/// Time and memory spent since the work began; consulted every 1,024 of GEOS's interruption checks (millions
/// during a large repair), the clock then read, the resident memory at most every 10 ms.
struct Meter {
    let deadline: UInt64
    let memoryCeiling: Int
    var checks: UInt32 = 0
    var nextMemoryCheck: UInt64 = 0
    var exceeded: GeometryBudgetExceeded.Resource?

    init(budget: GeometryBudget) {
        let now = DispatchTime.now().uptimeNanoseconds
        deadline = now + UInt64(max(0, budget.seconds) * 1e9)
        memoryCeiling = residentBytes() + budget.memoryBytes
    }

    /// True when the work must stop now.
    mutating func check() -> Bool {
        if exceeded != nil { return true }
        checks &+= 1
        guard checks & 1023 == 0 else { return false }
        let now = DispatchTime.now().uptimeNanoseconds
        if now > deadline {
            exceeded = .time
            return true
        }
        if now >= nextMemoryCheck {
            nextMemoryCheck = now + 10_000_000
            if residentBytes() > memoryCeiling {
                exceeded = .memory
                return true
            }
        }
        return false
    }
}

/// The thread's `PolygonRepair` while it runs a GEOS call, for the interruption callback.
private let meterKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

private let installation: Void = {
    _ = meterKey
    _ = GEOS_interruptRegisterCallback(interruptCallback)
}()

/// GEOS's interruption callback is one for the process (SpatiaLite's GEOS calls pass through it too, and find no
/// meter on their thread).
private func installInterruptCallback() { installation }

/// Called by GEOS before each check for interruption; requests one when the thread's budget is spent. GEOS 3.11
/// keeps the request in one flag for the process and takes it back at the check that follows this call, on the
/// same thread.
private func interruptCallback() {
    guard let raw = pthread_getspecific(meterKey) else { return }
    let repair = Unmanaged<PolygonRepair>.fromOpaque(raw).takeUnretainedValue()
    if repair.meter.check() { GEOS_interruptRequest() }
}

/// The process's resident memory in bytes (`/proc/self/statm`; 0 where there is none).
func residentBytes() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let n = read(fd, &buffer, buffer.count)
    guard n > 0 else { return 0 }
    let fields = buffer[..<n].split(separator: UInt8(ascii: " "))
    guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
