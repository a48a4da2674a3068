package simulate

import "github.com/muster-cms/muster/sim"

// The weights below are plausible guesses, not statistics: they are
// informed by the programme's documents (seeds/) and by where the Armed
// Forces live and work, and they exist to make demos and load tests look
// like a real programme. Each sums to 100 so a weight reads as a
// percentage. Change them freely; the tests check only rough shares.

// connections: veterans and service leavers are the programme's core,
// spouses and partners next; reservists and cadet force adult volunteers
// fewer; other family members fewest (and every one of those is spot
// checked, see sim.FlagConnectionOther).
var connections = newTable(
	choice[sim.Connection]{sim.ConnVeteran, 34},
	choice[sim.Connection]{sim.ConnServiceLeaver, 26},
	choice[sim.Connection]{sim.ConnSpouseOrPartner, 15},
	choice[sim.Connection]{sim.ConnReservist, 9},
	choice[sim.Connection]{sim.ConnCadetAdultVolunteer, 6},
	choice[sim.Connection]{sim.ConnAdultChild, 5},
	choice[sim.Connection]{sim.ConnBereavedFamilyMember, 2},
	choice[sim.Connection]{sim.ConnOtherFamilyMember, 3},
)

// candidateRegions leans towards where the Forces are based: the south
// west (Salisbury Plain, Plymouth, Yeovilton), the south east (Aldershot,
// Portsmouth) and north east & Yorkshire (Catterick); a few candidates
// are still posted overseas.
var candidateRegions = newTable(
	choice[sim.Region]{"south_west", 20},
	choice[sim.Region]{"south_east", 17},
	choice[sim.Region]{"north_east_and_yorkshire", 14},
	choice[sim.Region]{"midlands", 9},
	choice[sim.Region]{"east_of_england", 8},
	choice[sim.Region]{"north_west", 8},
	choice[sim.Region]{"scotland", 8},
	choice[sim.Region]{"london", 5},
	choice[sim.Region]{"wales", 5},
	choice[sim.Region]{"northern_ireland", 3},
	choice[sim.Region]{"overseas", 3},
)

// orgRegions follows where NHS bodies are, roughly by population; none is
// overseas.
var orgRegions = newTable(
	choice[sim.Region]{"midlands", 17},
	choice[sim.Region]{"north_east_and_yorkshire", 14},
	choice[sim.Region]{"london", 14},
	choice[sim.Region]{"south_east", 14},
	choice[sim.Region]{"north_west", 13},
	choice[sim.Region]{"east_of_england", 10},
	choice[sim.Region]{"south_west", 10},
	choice[sim.Region]{"scotland", 4},
	choice[sim.Region]{"wales", 2},
	choice[sim.Region]{"northern_ireland", 2},
)

// sources: the Career Transition Partnership and the Armed Forces
// charities are the programme's main referrers; the webinar notes that
// promotion also runs through units, social media and websites.
var sources = newTable(
	choice[sim.Source]{"career_transition_partnership", 28},
	choice[sim.Source]{"armed_forces_charity", 18},
	choice[sim.Source]{"armed_forces_unit", 10},
	choice[sim.Source]{"nhs_organisation", 10},
	choice[sim.Source]{"social_media", 10},
	choice[sim.Source]{"website", 9},
	choice[sim.Source]{"event", 7},
	choice[sim.Source]{"word_of_mouth", 6},
	choice[sim.Source]{"other", 2},
)

// ageBand is an inclusive range of ages at registration.
type ageBand struct{ from, to int }

// ageBands: most people leave the Forces in their twenties to forties;
// veterans and partners extend the range up to 65.
var ageBands = newTable(
	choice[ageBand]{ageBand{18, 24}, 12},
	choice[ageBand]{ageBand{25, 34}, 28},
	choice[ageBand]{ageBand{35, 44}, 27},
	choice[ageBand]{ageBand{45, 54}, 22},
	choice[ageBand]{ageBand{55, 65}, 11},
)

// interestCounts: most candidates choose one organisation near home.
var interestCounts = newTable(
	choice[int]{1, 50},
	choice[int]{2, 30},
	choice[int]{3, 20},
)

// funnel is where an interest ends up, for a candidate who is not placed
// through it: most are interested or contacted, fewer get further; a
// tenth are not progressed and one in twenty is taken back. Placement is
// decided per candidate (placedShare).
var funnel = newTable(
	choice[sim.InterestState]{sim.InterestInterested, 33},
	choice[sim.InterestState]{sim.InterestContacted, 27},
	choice[sim.InterestState]{sim.InterestEngaged, 10},
	choice[sim.InterestState]{sim.InterestWorkPlacement, 6},
	choice[sim.InterestState]{sim.InterestInterviewing, 6},
	choice[sim.InterestState]{sim.InterestOffered, 3},
	choice[sim.InterestState]{sim.InterestNotProgressed, 10},
	choice[sim.InterestState]{sim.InterestRemoved, 5},
)

// Candidate outcomes, as shares of all candidates.
const (
	placedShare    = 0.05
	withdrawnShare = 0.05
	sharingShare   = 0.95
)

// notProgressedFrom is how far an interest got before it was not
// progressed: mostly early.
var notProgressedFrom = newTable(
	choice[sim.InterestState]{sim.InterestInterested, 25},
	choice[sim.InterestState]{sim.InterestContacted, 35},
	choice[sim.InterestState]{sim.InterestEngaged, 15},
	choice[sim.InterestState]{sim.InterestWorkPlacement, 8},
	choice[sim.InterestState]{sim.InterestInterviewing, 12},
	choice[sim.InterestState]{sim.InterestOffered, 5},
)

// removedFrom is how far an interest got before the candidate took it
// back.
var removedFrom = newTable(
	choice[sim.InterestState]{sim.InterestInterested, 50},
	choice[sim.InterestState]{sim.InterestContacted, 35},
	choice[sim.InterestState]{sim.InterestEngaged, 10},
	choice[sim.InterestState]{sim.InterestInterviewing, 5},
)

var (
	reasonsAfterOffer = newTable(
		choice[sim.NotProgressedReason]{"offer_declined", 40},
		choice[sim.NotProgressedReason]{"pre_employment_checks", 30},
		choice[sim.NotProgressedReason]{"candidate_found_other_work", 20},
		choice[sim.NotProgressedReason]{"candidate_declined", 10},
	)
	reasonsBeforeOffer = newTable(
		choice[sim.NotProgressedReason]{"no_suitable_vacancy", 30},
		choice[sim.NotProgressedReason]{"did_not_meet_requirements", 20},
		choice[sim.NotProgressedReason]{"candidate_unresponsive", 20},
		choice[sim.NotProgressedReason]{"candidate_declined", 12},
		choice[sim.NotProgressedReason]{"candidate_found_other_work", 12},
		choice[sim.NotProgressedReason]{"other", 6},
	)
)

// verificationOutcomes is where a sampled registration stands once the
// operator has had time to look at it: mostly verified, a few rejected,
// some still in the queue.
var verificationOutcomes = newTable(
	choice[sim.Verification]{sim.VerificationVerified, 80},
	choice[sim.Verification]{sim.VerificationSampled, 15},
	choice[sim.Verification]{sim.VerificationRejected, 5},
)

// messageCounts is how many messages an interest's thread holds.
var messageCounts = newTable(
	choice[int]{0, 30},
	choice[int]{1, 20},
	choice[int]{2, 25},
	choice[int]{3, 15},
	choice[int]{4, 10},
)

var firstNames = []string{
	"Oliver", "George", "Harry", "Jack", "Jacob", "Thomas", "James", "William", "Daniel", "Michael",
	"David", "Mark", "Paul", "Craig", "Liam", "Ryan", "Amelia", "Olivia", "Emily", "Jessica",
	"Sophie", "Chloe", "Emma", "Sarah", "Laura", "Rachel", "Hannah", "Rebecca", "Gemma", "Claire",
	"Priya", "Mohammed", "Aisha", "Kofi", "Siobhan", "Callum", "Rhys", "Megan",
}

var lastNames = []string{
	"Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson",
	"Roberts", "Robinson", "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall",
	"Lewis", "Harris", "Clarke", "Patel", "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill",
	"Ward", "Morris", "Campbell", "Kaur", "Begum", "O'Neill", "MacDonald", "Murphy",
}

// skills are what people bring from service that NHS job families use.
var skills = []string{
	"Logistics", "Supply chain management", "Stores and inventory", "Procurement",
	"Team leadership", "Line management", "Training and instruction", "Project management",
	"First aid", "Trauma care", "Mental health first aid", "Clinical — combat medical technician",
	"Clinical — registered nurse", "Clinical — paramedic", "Clinical — operating department practice",
	"Driving (category B)", "Driving (category C)", "Fleet management",
	"Catering", "Food hygiene", "Cleaning and infection control",
	"IT support", "Network administration", "Cyber security", "Data analysis",
	"Administration", "Finance and budgeting", "Human resources", "Customer service",
	"Health and safety", "Security", "Fire safety", "Emergency planning",
	"Communications", "Radio operation", "Engineering", "Electrical engineering",
	"Mechanical engineering", "Building maintenance", "Estates management",
	"Physical training", "Welfare support", "Languages",
}

// Job preferences are put together from these pieces: short, bland, and
// about NHS job families, never about the person.
var (
	prefOpeners = []string{"Looking for", "Interested in", "Hoping to find", "Keen to move into", "Would like"}
	prefRoles   = []string{
		"a healthcare support worker role", "estates and facilities work", "a role in logistics and supply chain",
		"an administrative role", "IT and digital roles", "a portering or patient transport role",
		"training to become a paramedic", "a nursing associate apprenticeship", "security or car park management",
		"catering and hotel services", "project management in a trust", "an operating department practitioner role",
		"emergency planning and resilience", "clinical engineering", "a role in human resources",
		"finance and procurement", "a role in a mental health team", "a phlebotomy role",
		"a ward clerk or receptionist role", "an ambulance care assistant role", "a role in an emergency operations centre",
	}
	prefHours = []string{"", ", full time", ", part time", " with flexible hours", ", happy to work shifts"}
	prefExtra = []string{
		"", " Open to a work placement first.", " Would like to use my military qualifications.",
		" Can start within a month.", " Prefer somewhere within commuting distance of home.",
		" Would welcome help with applications.", " Interested in an information day.",
	}
)

// Organisations are named after places of their region.
var places = map[sim.Region][]string{
	"north_east_and_yorkshire": {"Leeds", "Sheffield", "Newcastle", "York", "Hull", "Sunderland", "Middlesbrough", "Bradford", "Durham", "Harrogate"},
	"north_west":               {"Manchester", "Liverpool", "Preston", "Lancaster", "Chester", "Bolton", "Carlisle", "Blackpool"},
	"midlands":                 {"Birmingham", "Nottingham", "Leicester", "Derby", "Stoke", "Coventry", "Lincoln", "Shrewsbury", "Wolverhampton"},
	"east_of_england":          {"Norwich", "Cambridge", "Ipswich", "Colchester", "Peterborough", "Bedford", "Luton", "Chelmsford"},
	"london":                   {"Croydon", "Barnet", "Lewisham", "Hillingdon", "Kingston", "Ealing", "Newham", "Camden"},
	"south_east":               {"Portsmouth", "Southampton", "Oxford", "Brighton", "Canterbury", "Aldershot", "Reading", "Guildford", "Maidstone"},
	"south_west":               {"Plymouth", "Exeter", "Bristol", "Gloucester", "Salisbury", "Swindon", "Taunton", "Truro", "Yeovil"},
	"scotland":                 {"Lothian", "Grampian", "Highland", "Tayside", "Fife", "Lanarkshire", "Borders", "Forth Valley"},
	"wales":                    {"Cardiff and Vale", "Swansea Bay", "Aneurin Bevan", "Betsi Cadwaladr", "Hywel Dda", "Powys"},
	"northern_ireland":         {"Belfast", "Northern", "South Eastern", "Southern", "Western"},
}

// englishTrustNames are the patterns of an English trust's name.
var englishTrustNames = []string{
	"%s Teaching Hospitals NHS Trust", "%s Hospitals NHS Foundation Trust", "%s Community Health NHS Trust",
	"%s Mental Health NHS Foundation Trust", "%s and District NHS Foundation Trust",
}

// Message bodies: short and bland, the kind of thing a thread holds.
var (
	orgMessages = []string{
		"Thanks for your interest — are you free for a call on Tuesday?",
		"Hello, thanks for registering. Could you tell us a little more about the roles you are looking for?",
		"We have an information day coming up next month — would you like to come along?",
		"Thanks for coming in today. We will be in touch about next steps.",
		"Could you send us a copy of your CV when you have a moment?",
		"We have a vacancy that may suit you; the advert closes at the end of the month.",
		"Just checking in — is there anything we can help with?",
	}
	candidateMessages = []string{
		"Thanks for getting in touch — Tuesday morning works for me.",
		"Yes please, I would like to come to the information day.",
		"I have emailed my CV over. Happy to answer any questions.",
		"Thanks, I will have a look at the vacancy and apply this week.",
		"Could we move the call to later in the week?",
		"Thank you for your help so far.",
		"Is there any parking on site?",
	}
)
