import FacilityMapKit
import Foundation
import PostgresSupport
import XCTest

// The importers' test cases on PostgreSQL 15 + PostGIS 3: each store a fresh database (skipped, saying why, without a
// server). XCTest on Linux finds only the test methods a class declares, so each case is declared again here.

/// Fresh databases for a test, dropped at its end.
final class TestDatabases {
    private var all: [TestDatabase] = []

    func store() throws -> any RegistryStore {
        let database = try TestDatabase()
        all.append(database)
        return try PostGISStore(url: database.url)
    }

    func drop() {
        all.forEach { $0.drop() }
        all = []
    }
}

final class FacilityImportOnPostGISTests: FacilityImportTests {
    let databases = TestDatabases()
    override func emptyStore(_ name: String) throws -> any RegistryStore { try databases.store() }
    override func tearDownWithError() throws {
        databases.drop()
        try super.tearDownWithError()
    }

    override func testFacilitiesImportWithEveryFieldAndExtraColumn() throws { try super.testFacilitiesImportWithEveryFieldAndExtraColumn() }
    override func testReimportingTheSameFileChangesNothingAndSaysSo() throws { try super.testReimportingTheSameFileChangesNothingAndSaysSo() }
    override func testChangedRowIsUpdatedAndNewRowInserted() throws { try super.testChangedRowIsUpdatedAndNewRowInserted() }
    override func testARepeatedIDIsRejectedNamingTheKeptLineOnEveryRoute() throws { try super.testARepeatedIDIsRejectedNamingTheKeptLineOnEveryRoute() }
    override func testGB18030FileWithChineseHeadersAndGCJ02CoordinatesImports() throws { try super.testGB18030FileWithChineseHeadersAndGCJ02CoordinatesImports() }
    override func testUTF8WithBOMAndCRLFAndATrailingEmptyLineImports() throws { try super.testUTF8WithBOMAndCRLFAndATrailingEmptyLineImports() }
    override func testBadRowsAreRejectedWithFileLineAndFieldAndTheRestGoIn() throws { try super.testBadRowsAreRejectedWithFileLineAndFieldAndTheRestGoIn() }
    override func testStrictRejectsTheWholeFileAndChangesNothing() throws { try super.testStrictRejectsTheWholeFileAndChangesNothing() }
    override func testUnbalancedQuoteRefusesTheFileAndStoresNothing() throws { try super.testUnbalancedQuoteRefusesTheFileAndStoresNothing() }
    override func testDuplicateHeadersAndHeaderOnlyAndMissingColumnsAreRefused() throws { try super.testDuplicateHeadersAndHeaderOnlyAndMissingColumnsAreRefused() }
    override func testNULByteInvalidBytesAndHugeFieldRejectTheirRowsOnly() throws { try super.testNULByteInvalidBytesAndHugeFieldRejectTheirRowsOnly() }
    override func testPointsOutsideTheCityAreAcceptedWhenNoBoundaryIsLoaded() throws { try super.testPointsOutsideTheCityAreAcceptedWhenNoBoundaryIsLoaded() }
    override func testGCJ02PointsReadAsWGS84OutsideTheCitySuggestTheCRS() throws { try super.testGCJ02PointsReadAsWGS84OutsideTheCitySuggestTheCRS() }
}

final class UnitImportOnPostGISTests: UnitImportTests {
    let databases = TestDatabases()
    override func emptyStore(_ name: String) throws -> any RegistryStore { try databases.store() }
    override func tearDownWithError() throws {
        databases.drop()
        try super.tearDownWithError()
    }

    override func testLuoyangDistrictsGeoJSONInCGCS2000Imports() throws { try super.testLuoyangDistrictsGeoJSONInCGCS2000Imports() }
    override func testTownshipsCSVWithParentsImportsUnderTheDistricts() throws { try super.testTownshipsCSVWithParentsImportsUnderTheDistricts() }
    override func testACSVReimportOfADistrictUpdatesWhatItCarriesAndKeepsItsBoundaryAndPoint() throws { try super.testACSVReimportOfADistrictUpdatesWhatItCarriesAndKeepsItsBoundaryAndPoint() }
    override func testAParentCycleIsRejectedWithItsLineAndTheRestGoesIn() throws { try super.testAParentCycleIsRejectedWithItsLineAndTheRestGoesIn() }
    override func testInvalidPolygonsAreReportedPerFeatureAndSelfIntersectionIsRepairedWithAWarning() throws { try super.testInvalidPolygonsAreReportedPerFeatureAndSelfIntersectionIsRepairedWithAWarning() }
    override func testLevelOptionFillsMissingLevelsAndCountyIsADistrict() throws { try super.testLevelOptionFillsMissingLevelsAndCountyIsADistrict() }
    override func testGCJ02BoundariesConvertToWGS84() throws { try super.testGCJ02BoundariesConvertToWGS84() }
    override func testARepeatedCodeIsRejectedWhetherItWasStoredBeforeOrNot() throws { try super.testARepeatedCodeIsRejectedWhetherItWasStoredBeforeOrNot() }
    override func testCodesAreComparedByAllTheirBytesWhateverTheirLengthOrScript() throws { try super.testCodesAreComparedByAllTheirBytesWhateverTheirLengthOrScript() }
    override func testALargeFileReadInTwoHalvesStoresAndRejectsWhatOneReaderWould() throws { try super.testALargeFileReadInTwoHalvesStoresAndRejectsWhatOneReaderWould() }
}
