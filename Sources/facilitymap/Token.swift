import ArgumentParser
import FacilityMapKit
import FacilityServer
import Foundation

struct Token: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.token").text(),
        subcommands: [TokenAdd.self, TokenList.self, TokenRemove.self]
    ) }
}

struct TokenAdd: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "add",
        abstract: Message("help.token-add").text(),
        discussion: """
            A token may upload facilities of its --kinds (default: every kind) that belong to --in CODE and the units \
            below it (registered to one of them, or registered to no known unit and inside its boundary); default: \
            everywhere. Only a token for every kind everywhere may upload units.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp(Message("option.who-holds-it-as-the-audit-shows-it-e-g").text())) var name: String
    @Option(help: ArgumentHelp(Message("option.the-kinds-it-may-write-comma-separated-english-o").text(), valueName: "kinds"))
    var kinds: String?
    @Option(name: .customLong("in"), help: ArgumentHelp(Message("option.the-unit-whose-subtree-it-may-write").text(), valueName: "code"))
    var within: String?
    @Option(help: ArgumentHelp(Message("option.the-last-day-it-works-utc-default-it-does-not-ex").text(), valueName: "YYYY-MM-DD"))
    var expires: String?

    func validate() throws {
        if name.trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--name must not be empty") }
        if let expires, expires.count != 10 || Day(parsing: expires) == nil {
            throw ValidationError("--expires \(expires) is not a date: write YYYY-MM-DD")
        }
        for kind in parsedKinds where kind.1 == nil {
            throw ValidationError("--kinds: " + FacilityKind.unknownMessage(kind.0))
        }
    }

    var parsedKinds: [(String, FacilityKind?)] {
        (kinds ?? "").split(whereSeparator: { $0 == "," || $0 == "，" }).map {
            let text = $0.trimmingCharacters(in: .whitespaces)
            return (text, FacilityKind(argument: text))
        }
    }

    func run() throws {
        let store = try storeOptions.open(creating: true)
        if let within, try !store.containsUnit(code: within) {
            printError(Message("cli.token-no-unit").text(within, "\(store.location)"))
            throw Exit(status: 1)
        }
        let secret = TokenSecret.generate()
        let token = WriteToken(name: name, kinds: parsedKinds.compactMap(\.1), unit: within,
                               createdAt: ISO8601DateFormatter().string(from: Date()), expiresOn: expires)
        try store.update { try $0.addToken(token, sha256: TokenSecret.hash(secret)) }
        printError(Message("cli.token-secret").text(name, RegistryText.scope(of: token, in: .current)))
        print(secret)
    }
}

struct TokenList: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "list", abstract: Message("help.token-list").text()) }
    @OptionGroup var storeOptions: StoreOptions

    func run() throws {
        let tokens = try storeOptions.open().tokens()
        let never = Message("token.never").text()
        let rows = tokens.map { [$0.name, $0.kinds.isEmpty ? Message("token.every-kind").text() : $0.kinds.map(\.rawValue).joined(separator: ","),
                                 $0.unit ?? Message("token.everywhere").text(), $0.createdAt, $0.expiresOn ?? never, $0.lastUsedAt ?? never] }
        print(TextTable.render(header: Message.headings(["name", "kinds", "in", "created", "expires", "last-used"]), rows: rows),
              terminator: "")
        print(Message("token.count").text(String(tokens.count)))
    }
}

struct TokenRemove: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "remove", abstract: Message("help.token-remove").text()) }
    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp(Message("option.the-token-s-name").text())) var name: String

    func run() throws {
        let store = try storeOptions.open()
        guard try store.update({ try $0.removeToken(named: name) }) else {
            printError(Message("cli.no-token").text(name))
            throw Exit(status: 1)
        }
        print("removed token \(name)")
    }
}
