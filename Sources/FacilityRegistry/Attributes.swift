import Foundation

/// Extra attributes as stored: a JSON object of strings, keys sorted; NULL when there are none.
public enum Attributes {
    public static func encode(_ attributes: [String: String]) -> String? {
        guard !attributes.isEmpty,
              let data = try? JSONSerialization.data(withJSONObject: attributes, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    public static func decode(_ text: String?) -> [String: String] {
        guard let text, !text.isEmpty,
              let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]
        else { return [:] }
        return object
    }
}

