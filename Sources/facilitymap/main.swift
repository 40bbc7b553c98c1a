import ArgumentParser
import FacilityMapKit
import Foundation

// Exit status: 0 success; 1 an input was refused or rows were rejected; 2 a usage error or an unreadable file.

// A file size limit (ulimit -f) then fails a write with an error the store reports, instead of killing the process.
signal(SIGXFSZ, SIG_IGN)
// A closed pipe (`facilitymap list ... | head`) fails the write instead of killing the process mid-way.
signal(SIGPIPE, SIG_IGN)

do {
    var command = try FacilityMapCommand.parseAsRoot()
    try command.run()
} catch let exit as Exit {
    Foundation.exit(exit.status)
} catch let error as CSVError {
    printError("facilitymap: \(error)")
    if case .unreadable = error { Foundation.exit(2) }
    Foundation.exit(1)
} catch let error as GeoJSONError {
    printError("facilitymap: \(error)")
    if case .unreadable = error { Foundation.exit(2) }
    Foundation.exit(1)
} catch let error as StoreError {
    printError("facilitymap: \(error)")
    Foundation.exit(1)
} catch let error as GeoJSONWriteError {
    printError("facilitymap: \(error)")
    Foundation.exit(1)
} catch let error as TargetsError {
    printError("facilitymap: \(error)")
    Foundation.exit(1)
} catch let error as ImportError {
    printError("facilitymap: \(error)")
    Foundation.exit(1)
} catch {
    let code = FacilityMapCommand.exitCode(for: error)
    let message = FacilityMapCommand.fullMessage(for: error)
    if code == .success {
        print(message)
        Foundation.exit(0)
    }
    printError(message)
    // ArgumentParser's usage errors (64) are this tool's status 2.
    Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
}
