/// The page served at `/`.
enum RegistryPage {
    static let html = "<!DOCTYPE html><html><body>FacilityMap</body></html>"
}
