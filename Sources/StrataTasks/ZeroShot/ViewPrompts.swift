/// Prompt ensembles in the style of SenCLIP's (arXiv:2412.08536 §3.2): short, factual descriptions of what a class
/// looks like from above (`aerial`) or in a photo taken on the ground (`ground`), each written to set its class
/// apart from the others. SenCLIP generated ~50 per class with GPT-3.5; these are fewer and were written by hand
/// for Strata (the authors' files carry no licence). Keys are the datasets' class names (`ZeroShotClassSet`).
enum ViewPrompts {
    static let eurosatAerial: [String: [String]] = [
        "AnnualCrop": [
            "Aerial view of rectangular crop fields in alternating strips of green and brown.",
            "Satellite photo of ploughed farmland with straight furrows and field boundaries.",
            "Aerial view of a patchwork of harvested and growing cereal fields.",
            "Satellite image of large arable parcels with tractor tracks in parallel lines.",
            "Aerial view of bare soil fields next to fields of young green crops.",
            "Satellite photo of seasonal farmland divided into geometric plots.",
        ],
        "Forest": [
            "Aerial view of a dense, dark green tree canopy with no gaps.",
            "Satellite photo of continuous woodland with a rough, textured canopy.",
            "Aerial view of a closed forest with uniform deep green colour.",
            "Satellite image of wooded land without roads or buildings.",
            "Aerial view of treetops packed tightly together over a large area.",
            "Satellite photo of a dark forest stand with irregular edges.",
        ],
        "HerbaceousVegetation": [
            "Aerial view of shrubland and low natural vegetation in mottled green tones.",
            "Satellite photo of scrub and tall grasses without field boundaries.",
            "Aerial view of uncultivated land covered with bushes and herbs.",
            "Satellite image of patchy natural vegetation with scattered shrubs.",
            "Aerial view of heath and brushland in irregular patches of green and beige.",
            "Satellite photo of wild meadow vegetation with no regular pattern.",
        ],
        "Highway": [
            "Aerial view of a multi-lane highway cutting through the landscape.",
            "Satellite photo of a grey road line crossing fields.",
            "Aerial view of a motorway with an interchange and curved ramps.",
            "Satellite image of a long straight road with traffic lanes.",
            "Aerial view of a paved road bordered by green verges.",
            "Satellite photo of a highway junction among farmland.",
        ],
        "Industrial": [
            "Aerial view of large flat warehouse roofs and parking lots.",
            "Satellite photo of an industrial estate with big rectangular buildings.",
            "Aerial view of factories, storage tanks and loading yards.",
            "Satellite image of bright grey and white roofs of commercial halls.",
            "Aerial view of a logistics area with lorries and paved surfaces.",
            "Satellite photo of a dense block of industrial buildings with little vegetation.",
        ],
        "Pasture": [
            "Aerial view of smooth, uniformly green grazing meadows.",
            "Satellite photo of pastures separated by hedgerows.",
            "Aerial view of grassland fields used for grazing livestock.",
            "Satellite image of evenly green meadows without furrows.",
            "Aerial view of soft green fields with scattered trees along the edges.",
            "Satellite photo of permanent grassland in irregular parcels.",
        ],
        "PermanentCrop": [
            "Aerial view of orchards with trees planted in regular rows.",
            "Satellite photo of vineyards with fine parallel lines of vines.",
            "Aerial view of olive groves laid out in a grid.",
            "Satellite image of fruit plantations with evenly spaced trees.",
            "Aerial view of striped vineyard terraces on a hillside.",
            "Satellite photo of rows of permanent crops with bare soil between them.",
        ],
        "Residential": [
            "Aerial view of houses with gardens along a network of streets.",
            "Satellite photo of a suburban neighbourhood with small red roofs.",
            "Aerial view of dense residential blocks and tree-lined streets.",
            "Satellite image of a town with closely packed homes.",
            "Aerial view of a housing estate with curving roads and cul-de-sacs.",
            "Satellite photo of apartment buildings and courtyards.",
        ],
        "River": [
            "Aerial view of a winding river crossing the land.",
            "Satellite photo of a narrow band of water with green banks.",
            "Aerial view of a meandering river through fields and trees.",
            "Satellite image of a river channel with sandbanks.",
            "Aerial view of a dark ribbon of water bordered by riparian forest.",
            "Satellite photo of a river bend next to farmland.",
        ],
        "SeaLake": [
            "Aerial view of open water in a uniform dark blue.",
            "Satellite photo of a lake surface with no land in sight.",
            "Aerial view of the sea with a smooth, featureless surface.",
            "Satellite image of deep water covering the whole scene.",
            "Aerial view of a large lake with a short stretch of shoreline.",
            "Satellite photo of calm sea water, dark and even.",
        ],
    ]

    static let eurosatGround: [String: [String]] = [
        "AnnualCrop": [
            "A wheat field ready for harvest under a clear sky.",
            "Rows of young maize plants in brown soil.",
            "A freshly ploughed field stretching to the horizon.",
            "A tractor working a large field of cereals.",
            "Golden barley swaying in the wind.",
            "A field of sunflowers in full bloom.",
        ],
        "Forest": [
            "Tall tree trunks in a shady forest.",
            "A path leading through dense woodland.",
            "Sunlight filtering through the leaves of a beech forest.",
            "Pine trees standing close together on a hillside.",
            "Moss and ferns on the floor of an old forest.",
            "A wall of green trees at the edge of the woods.",
        ],
        "HerbaceousVegetation": [
            "Wild shrubs and tall grass on uncultivated land.",
            "A scrubby hillside covered with bushes and heather.",
            "Thickets of bramble and weeds on fallow land.",
            "Tall wildflowers and grasses growing freely.",
            "Low bushes scattered over dry, rough ground.",
            "An overgrown field with mixed herbs and shrubs.",
        ],
        "Highway": [
            "Cars driving on a wide motorway.",
            "A highway with guard rails and road signs.",
            "An asphalt road stretching into the distance.",
            "A motorway bridge over the lanes of traffic.",
            "A road with white lane markings and a grassy verge.",
            "Lorries passing on a busy highway.",
        ],
        "Industrial": [
            "A large warehouse with loading docks.",
            "A factory with chimneys and metal buildings.",
            "Storage tanks and pipes at an industrial plant.",
            "A row of commercial buildings with big car parks.",
            "Shipping containers stacked in an industrial yard.",
            "A grey concrete industrial hall.",
        ],
        "Pasture": [
            "Cows grazing on a green meadow.",
            "Sheep in a grassy field behind a fence.",
            "A lush pasture with a few scattered trees.",
            "Horses standing in a paddock of short grass.",
            "Rolling green grassland used for grazing.",
            "A meadow with a wooden gate and hedges.",
        ],
        "PermanentCrop": [
            "Rows of grapevines in a vineyard.",
            "An apple orchard with fruit on the branches.",
            "Olive trees in neat lines on dry soil.",
            "Fruit trees in blossom in an orchard.",
            "A vineyard on a sunny slope.",
            "A path between rows of cherry trees.",
        ],
        "Residential": [
            "A quiet street lined with houses and gardens.",
            "Apartment buildings with balconies.",
            "Family homes with driveways in a suburb.",
            "A row of terraced houses along a sidewalk.",
            "A residential neighbourhood with parked cars.",
            "Village houses with tiled roofs.",
        ],
        "River": [
            "A river flowing between tree-lined banks.",
            "A wide river seen from its grassy bank.",
            "A stream running through a valley.",
            "A bridge crossing a calm river.",
            "Reeds growing at the edge of a river.",
            "A river bend with pebbles on the shore.",
        ],
        "SeaLake": [
            "Calm water of a lake reflecting the sky.",
            "Waves on the open sea.",
            "A lake surrounded by hills.",
            "A sandy beach facing the sea.",
            "A boat on a still lake.",
            "The horizon over a wide stretch of water.",
        ],
    ]

    static let bigEarthNetAerial: [String: [String]] = [
        "Urban fabric": [
            "Aerial view of a town with dense buildings and streets.",
            "Satellite photo of a built-up area with houses and roads.",
            "Aerial view of a settlement of rooftops and gardens.",
        ],
        "Industrial or commercial units": [
            "Aerial view of large flat roofs of factories and warehouses.",
            "Satellite photo of an industrial zone with parking lots.",
            "Aerial view of commercial buildings and paved yards.",
        ],
        "Arable land": [
            "Aerial view of ploughed fields in geometric parcels.",
            "Satellite photo of cropland with strips of brown and green.",
            "Aerial view of large cultivated fields with furrows.",
        ],
        "Permanent crops": [
            "Aerial view of orchards and vineyards in regular rows.",
            "Satellite photo of fruit trees planted in a grid.",
            "Aerial view of striped vineyards on slopes.",
        ],
        "Pastures": [
            "Aerial view of smooth green grazing meadows.",
            "Satellite photo of grassland parcels bordered by hedges.",
            "Aerial view of uniform green pastures.",
        ],
        "Complex cultivation patterns": [
            "Aerial view of a fine mosaic of small fields of different crops.",
            "Satellite photo of many tiny parcels in varied colours.",
            "Aerial view of fragmented farmland with mixed plots.",
        ],
        "Land principally occupied by agriculture, with significant areas of natural vegetation": [
            "Aerial view of farmland interrupted by patches of woods and scrub.",
            "Satellite photo of fields mixed with natural vegetation.",
            "Aerial view of small farms surrounded by trees and bushes.",
        ],
        "Agro-forestry areas": [
            "Aerial view of scattered trees over grazed grassland.",
            "Satellite photo of open woodland with pasture under the trees.",
            "Aerial view of dotted oak trees across dry fields.",
        ],
        "Broad-leaved forest": [
            "Aerial view of a bright green deciduous forest canopy.",
            "Satellite photo of broad-leaved woods with rounded crowns.",
            "Aerial view of a leafy forest with a soft texture.",
        ],
        "Coniferous forest": [
            "Aerial view of a dark green conifer forest.",
            "Satellite photo of dense pine and spruce stands.",
            "Aerial view of evergreen forest with pointed crowns.",
        ],
        "Mixed forest": [
            "Aerial view of a forest mixing light and dark green crowns.",
            "Satellite photo of woodland with both conifers and broad-leaved trees.",
            "Aerial view of a varied forest canopy.",
        ],
        "Natural grassland and sparsely vegetated areas": [
            "Aerial view of open natural grassland with bare patches.",
            "Satellite photo of sparse vegetation on rocky ground.",
            "Aerial view of wild grass slopes without fields.",
        ],
        "Moors, heathland and sclerophyllous vegetation": [
            "Aerial view of heathland in brown and purple tones.",
            "Satellite photo of moorland with low shrubs.",
            "Aerial view of dry scrub and hardy bushes.",
        ],
        "Transitional woodland, shrub": [
            "Aerial view of young trees and shrubs regrowing on cleared land.",
            "Satellite photo of a clear-cut area with scattered saplings.",
            "Aerial view of patchy scrub at a forest edge.",
        ],
        "Beaches, dunes, sands": [
            "Aerial view of a bright sandy beach along the coast.",
            "Satellite photo of sand dunes with ripples.",
            "Aerial view of pale sand between sea and vegetation.",
        ],
        "Inland wetlands": [
            "Aerial view of marshes with pools and reeds.",
            "Satellite photo of a peat bog with dark wet patches.",
            "Aerial view of waterlogged land with scattered channels.",
        ],
        "Coastal wetlands": [
            "Aerial view of salt marshes with tidal channels.",
            "Satellite photo of mudflats along a coastline.",
            "Aerial view of coastal lagoons and salt pans.",
        ],
        "Inland waters": [
            "Aerial view of a lake surrounded by land.",
            "Satellite photo of a river and its reservoir.",
            "Aerial view of dark blue inland water.",
        ],
        "Marine waters": [
            "Aerial view of the open sea.",
            "Satellite photo of coastal sea water.",
            "Aerial view of a deep blue ocean surface.",
        ],
    ]

    static let bigEarthNetGround: [String: [String]] = [
        "Urban fabric": [
            "A street with houses on both sides.",
            "Buildings and sidewalks in a town centre.",
            "A residential road with parked cars.",
        ],
        "Industrial or commercial units": [
            "A warehouse with loading docks.",
            "A shopping centre with a large car park.",
            "A factory building with metal walls.",
        ],
        "Arable land": [
            "A ploughed field of brown soil.",
            "A field of ripe wheat.",
            "Young crops growing in straight rows.",
        ],
        "Permanent crops": [
            "Rows of grapevines in a vineyard.",
            "An orchard of apple trees.",
            "Olive trees growing on a hillside.",
        ],
        "Pastures": [
            "Cows grazing in a green meadow.",
            "A fenced pasture with sheep.",
            "Short green grass in a grazing field.",
        ],
        "Complex cultivation patterns": [
            "Small vegetable plots next to each other.",
            "A patchwork of little fields with different crops.",
            "Gardens and small fields around a farmhouse.",
        ],
        "Land principally occupied by agriculture, with significant areas of natural vegetation": [
            "A field bordered by wild bushes and trees.",
            "Farmland with patches of scrub and woodland.",
            "A small farm among natural vegetation.",
        ],
        "Agro-forestry areas": [
            "Cattle grazing under scattered oak trees.",
            "Dry grassland dotted with cork oaks.",
            "Sheep resting in the shade of widely spaced trees.",
        ],
        "Broad-leaved forest": [
            "A beech forest with green leaves.",
            "Oak trees with wide crowns in a forest.",
            "Sunlight through the leaves of deciduous trees.",
        ],
        "Coniferous forest": [
            "Tall pine trees in a forest.",
            "A dark spruce forest with needles on the ground.",
            "Fir trees standing close together.",
        ],
        "Mixed forest": [
            "A forest of pines and birches together.",
            "Woodland with conifers among leafy trees.",
            "A forest path between oaks and spruces.",
        ],
        "Natural grassland and sparsely vegetated areas": [
            "Wild grass on an open hillside.",
            "Sparse plants growing between rocks.",
            "A dry natural meadow with bare ground.",
        ],
        "Moors, heathland and sclerophyllous vegetation": [
            "Heather covering a moor.",
            "Low thorny shrubs on dry land.",
            "A windswept heath with purple flowers.",
        ],
        "Transitional woodland, shrub": [
            "Young saplings growing on a cleared slope.",
            "Shrubs and small trees at the edge of a forest.",
            "Tree stumps among new growth after logging.",
        ],
        "Beaches, dunes, sands": [
            "A sandy beach by the sea.",
            "Sand dunes with tufts of grass.",
            "Footprints on a wide beach.",
        ],
        "Inland wetlands": [
            "Reeds growing in a marsh.",
            "A boggy field with standing water.",
            "A wooden walkway over a peat bog.",
        ],
        "Coastal wetlands": [
            "A salt marsh at low tide.",
            "Mudflats with shallow channels by the coast.",
            "Birds wading in a coastal lagoon.",
        ],
        "Inland waters": [
            "A calm lake surrounded by trees.",
            "A river flowing past its banks.",
            "A reservoir behind a dam.",
        ],
        "Marine waters": [
            "Waves on the open sea.",
            "A boat sailing on the ocean.",
            "The sea stretching to the horizon.",
        ],
    ]
}
