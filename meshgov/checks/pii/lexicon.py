"""Word lists the detectors use: street types in several languages, name titles."""


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Types that open a street name in Romance languages, so a house number may be missing:
# "Praça André Sampaio", "Via Roma".
STREET_PREFIXES = _words(
    """
    aeroporto alameda allee allée avenida avenue borgo boulevard calle camino campo canale
    carrera carretera chacara chemin chácara colonia colônia condominio condomínio conjunto
    contrada corso cours cuesta distrito esplanada estacao estação estrada favela fazenda feira
    glorieta impasse incrocio jardim ladeira lago lagoa largo loteamento morro nucleo núcleo
    parque pasaje paseo passarela patio piazza piazzale place plaza praca praça pátio quadra
    quai rambla recanto residencial rodovia ronda rotonda rua rue setor sitio strada sítio
    travessa trecho trevo vale vereda via viaduto viale vicolo viela vila
    """
)
# Street types: USPS Publication 28's common suffixes, their counterparts in German, French,
# Spanish, Italian, Dutch and Portuguese, and the unit words of addresses (apt, suite).
STREET_WORDS = STREET_PREFIXES | _words(
    """
    acceso alley aly apartment appartamento apt av ave baan bajada blvd bridge brook brooks burg
    burgs byp bypass callejon callejón camp canada canyon cape carrer causeway cañada center
    centers chaussee cir circle cliff cliffs close club common corner corners court courts cove
    creek crescent crest crossing cswy ct ctr curve dale dam damm dijk divide dr drive est
    estate expressway fall falls ferry field fields flat flats ford forest forge fork forks fort
    freeway fwy garden gasse gateway gdns glen gracht green grove harbor haven heights highway
    hill hollow hts hwy inlet island isle jct junction junctions kade key keys knoll laan lake
    lakes landing lane lanes light lights ln lock locks lodge loop mall manor meadow meadows
    mews mill mission motorway mount mountain mtn neck orchard oval overpass pad park parks
    parkway pasadizo pass passage path pfad piano pike pine pines pkwy pl plain plains platz
    plein point port praia prairie radial ramp ranch rapids rd rest ridge ring river road route
    row run senda sentier shoal shoals shore shores singel skyway spring springs spur sq square
    squares st station steeg steig str straat strasse stravenue straße stream street streets
    stretto suite summit ter terrace throughway trace track trafficway trail travesia travesía
    trl tunnel turnpike ufer underpass union unions unit urbanizacion urbanización valley
    viaduct vial view villa village ville vista voie vía walk wall way ways weg well wells
    wohnung xing
    """
)
# Suffixes of compound street names: "Goethestraße", "Kerkstraat", "Lindenweg", "Evibaan".
STREET_SUFFIXES = (
    "straße",
    "strasse",
    "str.",
    "weg",
    "allee",
    "platz",
    "gasse",
    "ring",
    "damm",
    "straat",
    "laan",
    "plein",
    "gracht",
    "kade",
    "dijk",
    "singel",
    "steeg",
    "baan",
    "pad",
    "hof",
    "dreef",
    "boulevard",
    "markt",
    "park",
)
TITLES = _words(
    """
    dame dhr dipl dott dott.ssa dr dra drs frau herr ing ir lady lord m madame mademoiselle mag
    mevr miss mlle mme monsieur mr mrs ms mx prof senor senora señor señora sig sig.ra signor
    signora sir sr sra srta univ
    """
)
NAME_SUFFIXES = _words("ba bsc cpa dds dvm esq ii iii iv jr ma mba md msc phd rn sr v")
NAME_PARTICLES = _words("da das de del della den der di dos du la le ten ter van von zu")
