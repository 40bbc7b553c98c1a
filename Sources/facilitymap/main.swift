import ArgumentParser
import FacilityMapKit
import Foundation

// Exit status: 0 success; 1 an input was refused or rows were rejected; 2 a usage error or an unreadable file.

// A file size limit (ulimit -f) then fails a write with an error the store reports, instead of killing the process.
signal(SIGXFSZ, SIG_IGN)
// A closed pipe (`facilitymap list ... | head`) fails the write instead of killing the process mid-way.
signal(SIGPIPE, SIG_IGN)

/// The exit status of one of FacilityMap's own errors (its message is printed as is), or nil for others: the
/// table the server reads too (`ErrorMeaning`).
func exitStatus(for error: Error) -> Int32? {
    ErrorMeaning.of(error)?.exitStatus
}

/// Whether `error` is a write to a pipe whose reader has gone (`facilitymap list … | head`).
func isClosedPipe(_ error: Error) -> Bool {
    // The writers of CSV and GeoJSON report the system's message.
    let brokenPipe = String(cString: strerror(EPIPE))
    if let error = error as? FileWriteError { return error.reason.contains("(\(brokenPipe))") }
    if let error = error as? GeoJSONWriteError { return error.reason.hasSuffix(brokenPipe) }
    let error = error as NSError
    if error.domain == NSPOSIXErrorDomain && error.code == Int(EPIPE) { return true }
    if let underlying = error.userInfo[NSUnderlyingErrorKey] as? Error { return isClosedPipe(underlying) }
    return false
}

/// What to say of a mistyped subcommand (`import facilites`): the nearest command and the ones there are.
func unknownCommandMessage(_ arguments: [String]) -> String? {
    var command: ParsableCommand.Type = FacilityMapCommand.self
    var path = ["facilitymap"]
    for argument in arguments {
        let subcommands = command.configuration.subcommands
        guard !subcommands.isEmpty, !argument.hasPrefix("-"), argument != "help" else { return nil }
        if let next = subcommands.first(where: { $0._commandName == argument || $0.configuration.aliases.contains(argument) }) {
            command = next
            path.append(argument)
            continue
        }
        let names = subcommands.map { $0._commandName }
        let known = "the commands of `\(path.joined(separator: " "))`: \(names.joined(separator: ", "))"
        if let near = Spelling.nearest(to: argument, among: names).first {
            return "facilitymap: \(argument) is not a command — did you mean `\((path + [near]).joined(separator: " "))`? (\(known))"
        }
        return "facilitymap: \(argument) is not a command — \(known)"
    }
    return nil
}

// The language of the messages: --lang zh|en anywhere on the line (taken out before the command's own options are
// parsed), else the locale (LC_ALL, LC_MESSAGES, LANG: zh_* is Chinese), else English.
let (arguments, language) = Language.taking(from: Array(CommandLine.arguments.dropFirst()))
switch language {
case let .success(language): Language.current = language
case let .failure(error):
    printError("facilitymap: \(error)")
    exit(2)
}

if let message = unknownCommandMessage(arguments) {
    printError(message)
    exit(2)
}

do {
    var command = try FacilityMapCommand.parseAsRoot(arguments)
    try command.run()
} catch let exit as Exit {
    Foundation.exit(exit.status)
} catch let error where isClosedPipe(error) {
    // As a tool killed by SIGPIPE would end (128 + 13), without a message: the reader asked for no more.
    Foundation.exit(141)
} catch let error where exitStatus(for: error) != nil {
    printError("facilitymap: " + ((error as? PhrasedError)?.phrase.text(in: .current).singleLine ?? "\(error)"))
    Foundation.exit(exitStatus(for: error)!)
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
