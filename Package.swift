// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "FacilityMap",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "facilitymap", targets: ["facilitymap"]),
        .library(name: "FacilityMapKit", targets: ["FacilityMapKit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        // The registry server (`facilitymap serve`). Default traits off: no swift-configuration, no full Foundation.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.0", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.0"),
    ],
    targets: [
        // SpatiaLite 5 and SQLite 3 from the system (Debian: libspatialite-dev), through pkg-config.
        .systemLibrary(
            name: "CSpatiaLite",
            pkgConfig: "spatialite",
            providers: [.apt(["libspatialite-dev", "pkg-config"])]
        ),
        // PostgreSQL's client library (Debian: libpq-dev), through pkg-config: the PostGIS store.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev", "pkg-config"])]
        ),
        // SHA-256 of imported files from OpenSSL's libcrypto (Debian: libssl-dev), through pkg-config.
        .systemLibrary(
            name: "CLibCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev", "pkg-config"])]
        ),
        // zlib (Debian: zlib1g-dev), through pkg-config: gzip of the server's large answers, a .zip's entries inflated.
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev", "pkg-config"])]
        ),
        // GEOS's C API (Debian: libgeos-dev, which libspatialite-dev brings), through pkg-config: polygon validity and repair.
        .systemLibrary(
            name: "CGEOS",
            pkgConfig: "geos",
            providers: [.apt(["libgeos-dev", "pkg-config"])]
        ),
        // PROJ's C API (Debian: libproj-dev, which libspatialite-dev brings), through pkg-config: projected layers
        // (a Shapefile's Gauss–Krüger or Web Mercator coordinates) to WGS-84.
        .systemLibrary(
            name: "CProj",
            pkgConfig: "proj",
            providers: [.apt(["libproj-dev", "pkg-config"])]
        ),
        // FreeXL's C API (Debian: libfreexl-dev, which libspatialite-dev brings), through pkg-config: `.xls` workbooks.
        .systemLibrary(
            name: "CFreeXL",
            pkgConfig: "freexl",
            providers: [.apt(["libfreexl-dev", "pkg-config"])]
        ),
        // Expat (Debian: libexpat1-dev), through pkg-config: the streaming XML parser under `.xlsx` workbooks.
        .systemLibrary(
            name: "CExpat",
            pkgConfig: "expat",
            providers: [.apt(["libexpat1-dev", "pkg-config"])]
        ),
        // libxlsxwriter (Debian: libxlsxwriter-dev), through pkg-config: the `.xlsx` workbooks FacilityMap writes.
        .systemLibrary(
            name: "CXlsxWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev", "pkg-config"])]
        ),
        // libreadosm (Debian: libreadosm-dev), through pkg-config: OpenStreetMap's `.osm.pbf` and `.osm` files (`import roads`).
        .systemLibrary(
            name: "CReadOSM",
            pkgConfig: "readosm",
            providers: [.apt(["libreadosm-dev", "pkg-config"])]
        ),
        // The interface's words: a message catalogue per language (`.strings`, embedded), the language chosen. Depends on nothing.
        .target(name: "FacilityText", resources: [.embedInCode("Resources/en.strings"), .embedInCode("Resources/zh.strings")]),
        // Points, polygons, distances on the sphere, WKB. Depends on nothing.
        .target(name: "FacilityGeometry"),
        // CSV (encodings, BOM, quoting), JSON/GeoJSON, coordinate systems (GCJ-02, BD-09), files' SHA-256.
        .target(name: "FacilityFormats", dependencies: ["FacilityGeometry", "FacilityText", "CLibCrypto", "CProj", "CZlib", "CFreeXL",
                                                                     "CExpat", "CXlsxWriter", "CReadOSM"]),
        // Polygon validity and repair through GEOS, inside a time and memory budget.
        .target(name: "FacilityGEOS", dependencies: ["CGEOS", "FacilityGeometry"]),
        // The domain: facilities, kinds, administrative units, levels, dates.
        .target(name: "FacilityModel", dependencies: ["FacilityGeometry"]),
        // The road network: roads as a compact graph per mode, places snapped to the nearest usable edge, exact shortest
        // paths (Dijkstra, many sources at once). Pure Swift over plain values.
        .target(name: "FacilityNetwork", dependencies: ["FacilityModel", "FacilityGeometry"]),
        // Targets and metrics: pure Swift over plain values, testable without a database. Reads targets YAML.
        .target(name: "FacilityCoverage", dependencies: ["FacilityModel", "FacilityGeometry", "FacilityNetwork", "FacilityFormats", "FacilityText", "Yams"],
                resources: [.embedInCode("Resources/luoyang-2022.yaml")]),
        // Registry quality rules (`check`): pure Swift over units and facility records, testable without a database.
        .target(name: "FacilityQuality", dependencies: ["FacilityModel", "FacilityGeometry", "FacilityFormats", "FacilityText"]),
        // The registry protocol, the seam between the use cases and the engines: `RegistryStore`, `RegistryWriter`, the
        // records they pass (imports, history, tokens) and the tables every engine holds. No engine, no SQL.
        .target(name: "FacilityRegistry", dependencies: ["FacilityModel", "FacilityFormats", "FacilityGeometry", "FacilityText"]),
        // The SpatiaLite store: schema, migrations, transactions. The only code that speaks SQLite's SQL.
        .target(name: "FacilityStore", dependencies: ["CSpatiaLite", "FacilityRegistry", "FacilityModel", "FacilityGeometry"]),
        // The registry on PostgreSQL with PostGIS: its schema, migrations and bulk copy (COPY), through libpq.
        .target(name: "FacilityPostGIS", dependencies: ["CLibPQ", "FacilityRegistry", "FacilityModel", "FacilityGeometry", "FacilityText"]),
        // The embedded default data (GeoData/luoyang) as a resource bundle beside the binary.
        .target(name: "FacilityMapData", path: "GeoData", exclude: ["targets"], sources: ["GeoData.swift"],
                resources: [.copy("luoyang")]),
        // Use cases: import, list, stats — formats in, store out.
        .target(name: "FacilityMapKit", dependencies: ["FacilityText", "FacilityFormats", "FacilityModel", "FacilityRegistry", "FacilityStore", "FacilityGeometry",
                                                     "FacilityCoverage", "FacilityNetwork", "FacilityQuality", "FacilityPostGIS", "FacilityMapData",
                                                     "FacilityGEOS"]),
        // The shared registry over HTTP: routes, tokens, the web page. Calls FacilityMapKit's use cases.
        .target(name: "FacilityServer", dependencies: [
            "FacilityMapKit", "FacilityCoverage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
        ]),
        // The command line: parse, call, print.
        .executableTarget(name: "facilitymap", dependencies: [
            "FacilityMapKit", "FacilityServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "FacilityGeometryTests", dependencies: ["FacilityGeometry"]),
        .testTarget(name: "FacilityTextTests", dependencies: ["FacilityText"]),
        .testTarget(name: "FacilityNetworkTests", dependencies: ["FacilityNetwork", "FacilityModel", "FacilityGeometry"]),
        .testTarget(name: "FacilityGEOSTests", dependencies: ["FacilityGEOS", "FacilityGeometry"]),
        // The seeded mutator and fuzz loop shared by the fuzz tests.
        .target(name: "FuzzSupport", path: "Tests/FuzzSupport"),
        // A fresh database on the test PostgreSQL, for the tests that run against PostGIS.
        .target(name: "PostgresSupport", dependencies: ["FacilityPostGIS"], path: "Tests/PostgresSupport"),
        .testTarget(name: "FacilityFormatsTests", dependencies: ["FacilityFormats", "FuzzSupport"]),
        .testTarget(name: "FacilityCoverageTests", dependencies: ["FacilityCoverage", "FacilityNetwork", "FuzzSupport"]),
        .testTarget(name: "FacilityQualityTests", dependencies: ["FacilityQuality"]),
        .testTarget(name: "FacilityStoreTests", dependencies: ["FacilityStore", "FacilityRegistry", "FacilityModel"]),
        .testTarget(name: "FacilityServerTests", dependencies: ["FacilityServer", "FacilityMapKit", "Yams", "PostgresSupport"]),
        .testTarget(name: "FacilityMapKitTests", dependencies: ["FacilityMapKit", "FacilityStore", "FacilityGEOS", "PostgresSupport"],
                    exclude: ["Fixtures"]),
        // Runs the built `facilitymap` binary: exit statuses, output formats, GDAL reading the store.
        .testTarget(name: "FacilityMapCLITests", dependencies: ["facilitymap", "FacilityMapKit", "PostgresSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
