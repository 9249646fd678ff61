"""Word lists the detectors use: street types in several languages, name titles."""


def words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Types that open a street name in Romance languages, so a house number may be missing:
# "Praça André Sampaio", "Via Roma".
STREET_PREFIXES = words(
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
STREET_WORDS = STREET_PREFIXES | words(
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
# The street types that end an English street name ("Baker Street"), which no surname is.
STREET_TYPES = words(
    """
    street st avenue ave road rd boulevard blvd lane ln drive dr court ct place pl terrace
    way close crescent square sq parkway pkwy highway hwy circle cir trail trl alley mews
    gardens expressway freeway turnpike
    """
)
TITLES = words(
    """
    dame dhr dipl dott dott.ssa dr dra drs frau herr ing ir lady lord m madame mademoiselle mag
    mevr miss mlle mme monsieur mr mrs ms mx prof senor senora señor señora sig sig.ra signor
    signora sir sr sra srta univ
    """
)
NAME_SUFFIXES = words("ba bsc cpa dds dvm esq ii iii iv jr ma mba md msc phd rn sr v")
NAME_PARTICLES = words("da das de del della den der di dos du la le ten ter van von zu")

# Month names and abbreviations in English, German, French, Spanish, Italian, Dutch and
# Portuguese, casefolded.
MONTHS: dict[str, int] = {
    word: number
    for number, words in enumerate(
        [
            "january jan januar jänner janvier janv enero ene gennaio gen januari janeiro",
            "february feb februar février fevrier févr fevr febrero febbraio februari"
            " fevereiro fev",
            "march mar märz maerz mär mars marzo maart março marco",
            "april apr avril avr abril abr aprile",
            "may mai mayo maggio mag mei maio",
            "june jun juni juin junio giugno giu junho",
            "july jul juli juillet juil julio luglio lug julho",
            "august aug août aout agosto ago augustus",
            "september sep sept septembre septiembre set settembre setembro",
            "october oct okt oktober octobre octubre ottobre ott oktober outubro out",
            "november nov novembre noviembre novembro",
            "december dec dez dezember décembre decembre déc diciembre dic dicembre dezembro",
        ],
        start=1,
    )
    for word in words.split()
}

# Words near a candidate that say what it is. A trailing "*" lets the word go on
# ("telefon*": Telefonnummer); "_" stands for a space in a phrase. Keys are the classes'
# values, and three more kinds: INTRO (a name follows: "my name is"), GREETING (a first
# name may follow: "Dear", "Hallo") and VERSION (a dotted number is a version, not an IP).
CONTEXT_WORDS: dict[str, str] = {
    "PHONE": """
        phone* telephone* tel tel. tél tél. tlf tlf. tfno tfno. telf call calls calling ring
        dial mobile* mobil* cell cellphone* cellular sms whatsapp fax hotline reach* text_me
        my_number number_is telefon* handy* rufnummer* anruf* erreich* téléphone*
        portable* appel* appelez joindre joignable teléfono* móvil* movil* celular* llam*
        lláma* llame cellulare* chiam* telefoon* mobiel* bel bellen gsm telemóvel* ligar liga ligue
    """,
    "PASSPORT": """
        passport* reisepass* pass pass-nr* passnr* passnummer* pasaporte* passeport*
        passaporto* paspoort* passaporte* paszport* travel_document*
    """,
    "US_SSN": "ssn ssn# ss# social_security* soc._sec* soc_sec*",
    "DATE_OF_BIRTH": """
        dob d.o.b. born birth* birthday* geboren geb. geburt* né née née_le naissance nacido
        nacida nacimiento cumpleaños nato nata nascita compleanno geboortedatum geb.datum
        verjaardag nascido nascida nascimento aniversário
    """,
    "CREDIT_CARD": """
        card card* credit* visa mastercard amex karte* kreditkarte* carte* tarjeta* carta*
        kaart* creditcard* cartão* cartao*
    """,
    "IBAN": "iban account* konto* compte* cuenta* conto* rekening* conta* bank*",
    "IP_ADDRESS": "ip ip: ipv4 ipv6 ip-adresse* host* addr",
    "STREET_ADDRESS": """
        address* adresse* anschrift* wohnhaft wohnt wohne lives live living ship_to deliver*
        dirección* direccion* domicilio* indirizzo* adres* woon* endereço* endereco* morada*
        domicile* demeure* vive vivo abita
    """,
    "PERSON": """
        name name: full_name customer client patient contact nom nombre nome naam kunde*
        cliente klant* nom_complet nombre_completo nome_completo volledige_naam
    """,
    "INTRO": """
        my_name_is name_is named called i_am i'm mein_name_ist ich_heiße ich_heisse ich_bin
        je_m'appelle je_m\u2019appelle mon_nom_est je_suis me_llamo mi_nombre_es soy mi_chiamo
        il_mio_nome_è sono ik_heet mijn_naam_is ik_ben me_chamo meu_nome_é chamo-me sou
    """,
    "GREETING": """
        dear hi hello hey thanks thank_you regards cheers sincerely liebe lieber hallo
        sehr_geehrte* danke grüße gruß bonjour cher chère salut merci cordialement hola
        estimad* querid* gracias saludos ciao caro cara gentile grazie saluti beste geachte
        hoi bedankt groeten olá ola prezad* obrigad* atenciosamente
    """,
    "VERSION": """
        version* ver ver. v build* release* firmware* patch* versión* versione* versão* versie*
        oid
    """,
}

# Words of these languages that are no name: articles, pronouns, prepositions, days.
FUNCTION_WORDS = words(
    """
    a about after again all also am an and any are as at be because been before being
    both but by can could do does done each either else even ever every few for friday
    from had has have he her here hi his how i if in into is it its just less many may
    me monday more most much must my no not now of off ok on one only or other our out
    over please said saturday say see she should so some still sunday than thank thanks
    that the their them then there these they this those thursday to today tuesday two
    under up us very was we wednesday well what when where which who why will with would
    yes yet you your
    aber alle als am an auch auf aus bei bis da das dem den der des die doch du ein eine er es
    für hat heute ich ihr im in ist ja kein man mit nach nicht noch nur oder schon sie so um
    und uns vom von vor war was wie wir zu zum zur
    au aux avec ce ces dans de des du elle en est et il je la le les leur mais me mes mon ne
    nous on ou par pas pour qui sa se son sur ta te tes toi ton tu un une vous
    al como con de del el ella en es esta este hay la las lo los mas mi muy no para pero por
    que se si sin su sus tu un una y ya
    al alla che chi con da dal del della di e ed gli ha il in la le lo ma mi nel per più se si
    su tra tu un una
    aan al als bij dan dat de die dit een en er het hij ik in is je maar met na niet nog of om
    op te tot uit van voor wat we wij zij zo
    ao aos as com da das de do dos e ela ele em era está isso mas na nas no nos o os ou para
    pela pelo por que se sem seu sua um uma
    """
)
# Common words that are also someone's first name somewhere ("May", "Hope", "Summer",
# "Paris"): not a first name at the start of a run of capitalised words.
COMMON_WORDS = FUNCTION_WORDS | words(
    """
    april art august autumn best big black blue bold bright
    brown call care case chase check city clear close cloud code cold come cool crystal
    dale dawn day days down dr early east easy end faith fall far fast field fine first
    forest free full gold good grand gray great green grey happy hope hot jade joy june
    justice king lady lane last late light like little long love lucky made major make
    march mercy met miss new next nice north old open page park pearl pleasant pretty
    queen rain real red rich right river rock rush set sky small south spring star stone
    story summer sunny sure take team way west white winter wood year young
    """
)
# Words after a capitalised name that make it a company, a product or a place.
NOT_SURNAMES = words(
    """
    ag bv co company corp corporation gmbh group inc kg limited llc ltd nv plc sa sarl sas
    spa srl holding holdings bank airlines airport hotel hospital university college school
    center centre café cafe restaurant bar club foundation institute museum park garden
    gardens station tower bridge river lake mountain island beach valley city county state
    pro max mini plus lite ultra edition series model
    """
)
