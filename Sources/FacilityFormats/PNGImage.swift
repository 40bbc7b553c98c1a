/// An 8-bit RGBA raster that paints antialiased dots and crosses and writes itself as a PNG (a map tile).
public struct PNGImage: Sendable {
    public let width: Int
    public let height: Int
    /// Row by row, four bytes a pixel, not premultiplied.
    public private(set) var rgba: [UInt8]

    /// A transparent image.
    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
        rgba = [UInt8](repeating: 0, count: width * height * 4)
    }

    /// A colour as red, green, blue in 0…255.
    public struct Color: Sendable, Equatable {
        public var red, green, blue: UInt8
        public init(red: UInt8, green: UInt8, blue: UInt8) { (self.red, self.green, self.blue) = (red, green, blue) }

        /// `#rrggbb`; nil for anything else.
        public init?(hex: String) {
            let digits = hex.hasPrefix("#") ? hex.dropFirst() : Substring(hex)
            guard digits.count == 6, let value = UInt32(digits, radix: 16) else { return nil }
            self.init(red: UInt8(value >> 16), green: UInt8((value >> 8) & 0xff), blue: UInt8(value & 0xff))
        }
    }

    /// Paints `color` over pixel (`x`, `y`) at opacity `alpha` (0…1), source over; outside the image, nothing.
    @inline(__always)
    public mutating func blend(_ x: Int, _ y: Int, _ color: Color, _ alpha: Float) {
        guard x >= 0, y >= 0, x < width, y < height, alpha > 0 else { return }
        let i = (y * width + x) * 4
        let below = Float(rgba[i + 3]) / 255
        let out = alpha + below * (1 - alpha)
        guard out > 0 else { return }
        let keep = below * (1 - alpha) / out, put = alpha / out
        rgba[i] = UInt8((Float(color.red) * put + Float(rgba[i]) * keep).rounded())
        rgba[i + 1] = UInt8((Float(color.green) * put + Float(rgba[i + 1]) * keep).rounded())
        rgba[i + 2] = UInt8((Float(color.blue) * put + Float(rgba[i + 2]) * keep).rounded())
        rgba[i + 3] = UInt8(min(255, (out * 255).rounded()))
    }

    /// A disc of `radius` pixels centred at (`x`, `y`) (pixel centres are at .5), its edge antialiased.
    public mutating func dot(_ x: Double, _ y: Double, radius: Double, _ color: Color, opacity: Float) {
        let left = Int((x - radius - 1).rounded(.down)), right = Int((x + radius + 1).rounded(.up))
        let top = Int((y - radius - 1).rounded(.down)), bottom = Int((y + radius + 1).rounded(.up))
        guard right >= 0, bottom >= 0, left < width, top < height else { return }
        for py in max(0, top)...min(height - 1, bottom) {
            let dy = Double(py) + 0.5 - y
            for px in max(0, left)...min(width - 1, right) {
                let dx = Double(px) + 0.5 - x
                let cover = min(1, max(0, radius + 0.5 - (dx * dx + dy * dy).squareRoot()))
                if cover > 0 { blend(px, py, color, opacity * Float(cover)) }
            }
        }
    }

    /// An × of half-width `size` pixels centred at (`x`, `y`), `thickness` pixels wide.
    public mutating func cross(_ x: Double, _ y: Double, size: Double, thickness: Double = 1.4, _ color: Color, opacity: Float = 1) {
        let left = Int((x - size - 1).rounded(.down)), right = Int((x + size + 1).rounded(.up))
        let top = Int((y - size - 1).rounded(.down)), bottom = Int((y + size + 1).rounded(.up))
        guard right >= 0, bottom >= 0, left < width, top < height else { return }
        let half = thickness / 2
        for py in max(0, top)...min(height - 1, bottom) {
            let dy = Double(py) + 0.5 - y
            for px in max(0, left)...min(width - 1, right) {
                let dx = Double(px) + 0.5 - x
                guard abs(dx) <= size + 0.5, abs(dy) <= size + 0.5 else { continue }
                // Distance to either diagonal.
                let d = min(abs(dx - dy), abs(dx + dy)) / 2.0.squareRoot()
                let cover = min(1, max(0, half + 0.5 - d))
                if cover > 0 { blend(px, py, color, opacity * Float(cover)) }
            }
        }
    }

    /// Whether no pixel has any opacity.
    public var isEmpty: Bool {
        stride(from: 3, to: rgba.count, by: 4).allSatisfy { rgba[$0] == 0 }
    }

    /// The image as a PNG file (colour type 6, 8 bits, no interlace; each row unfiltered), deflated at `level`.
    public func png(level: Int32 = 6) -> [UInt8] {
        var raw = [UInt8]()
        raw.reserveCapacity((width * 4 + 1) * height)
        for row in 0..<height {
            raw.append(0)
            raw.append(contentsOf: rgba[(row * width * 4)..<((row + 1) * width * 4)])
        }
        var file: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        func chunk(_ type: String, _ data: [UInt8]) {
            file += bigEndian(UInt32(data.count))
            let body = Array(type.utf8) + data
            file += body
            file += bigEndian(Zlib.crc32(body))
        }
        chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 6, 0, 0, 0])
        chunk("IDAT", Zlib.deflate(raw, level: level))
        chunk("IEND", [])
        return file
    }

    private func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }
}
