import FacilityCoverage
import FacilityFormats
import FacilityPostGIS
import FacilityRegistry
import Foundation

/// What one of FacilityMap's own errors means for the person who met it, said once for both front ends: the exit
/// status the command line ends with (its message printed as is) and the HTTP status the server answers with (the
/// same message as JSON). The command line's statuses: 1 an input, a store or a plan was refused; 2 a usage error or
/// a file that cannot be read.
public struct ErrorMeaning: Equatable, Sendable {
    public let exitStatus: Int32
    public let httpStatus: Int

    public init(exitStatus: Int32, httpStatus: Int) {
        self.exitStatus = exitStatus
        self.httpStatus = httpStatus
    }

    /// The meaning of `error`, or nil when it is not one of FacilityMap's own (the front ends then say it failed).
    public static func of(_ error: Error) -> ErrorMeaning? {
        switch error {
        // A file that cannot be read: the request (or the command line) named it wrong.
        case CSVError.unreadable, GeoJSONError.unreadable, ShapefileError.unreadable, WorkbookError.unreadable, WorkbookError.noSheet,
             is ProjectionError:
            ErrorMeaning(exitStatus: 2, httpStatus: 400)
        // A roads file that cannot be read, or read to its end (an OSM extract cut short), or not a roads file at all.
        case RoadFileError.unreadable, RoadFileError.damaged, RoadFileError.unknownFormat: ErrorMeaning(exitStatus: 2, httpStatus: 400)
        case RoadFileError.noRoads: ErrorMeaning(exitStatus: 1, httpStatus: 422)
        // A migration asked for what is not one: a usage mistake, or a target that would be overwritten.
        case MigrationError.noSuchStore, MigrationError.notBetweenEngines: ErrorMeaning(exitStatus: 2, httpStatus: 400)
        case MigrationError.targetExists: ErrorMeaning(exitStatus: 1, httpStatus: 409)
        // A row outside what the writing token may change: the whole file refused.
        case ImportError.outsideScope: ErrorMeaning(exitStatus: 1, httpStatus: 403)
        // A file, a plan or a goal that cannot be taken as it is.
        case is CSVError, is GeoJSONError, is ShapefileError, is WorkbookError, is ImportError, is TargetsError, is SitingError:
            ErrorMeaning(exitStatus: 1, httpStatus: 422)
        // Another writer holds the store, or the database does not answer: try again.
        case StoreError.busy, is PostgresError: ErrorMeaning(exitStatus: 1, httpStatus: 503)
        case StoreError.tokenExists: ErrorMeaning(exitStatus: 1, httpStatus: 409)
        // A store refused (not FacilityMap's, newer, damaged) or an output that could not be written.
        case is StoreError, is GeoJSONWriteError, is FileWriteError: ErrorMeaning(exitStatus: 1, httpStatus: 500)
        default: nil
        }
    }
}
