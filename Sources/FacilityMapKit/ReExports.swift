// The command line and library users see the domain, formats and store through this one module.
@_exported import FacilityFormats
@_exported import FacilityGeometry
@_exported import FacilityModel
@_exported import FacilityRegistry
@_exported import FacilityStore
@_exported import FacilityMapData
@_exported import FacilityQuality
@_exported import FacilityPostGIS
@_exported import FacilityText
@_exported import FacilityNetwork
