//! The shipped sample `data/requests_sample.csv`: how it is made (a
//! deterministic templating generator, run with
//! `cg test --release --test analyzer_sample -- --ignored`), and checks that
//! hold for any sample of the same shape (the lead may replace it with one
//! exported by the simulator, so no exact figures are asserted).

use std::fmt::Write as _;
use std::path::PathBuf;

fn sample_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data/requests_sample.csv")
}

/// splitmix64: a tiny deterministic generator, enough for templating.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

const NAMES: &[&str] = &[
    "Maria", "Tom", "Aisha", "Lukas", "Priya", "Kenji", "Sofia", "Daniel", "Amara", "Jonas",
    "Elena", "Omar", "Grace", "Mateo", "Hannah", "Ravi", "Chloe", "Felix", "Nadia", "Sam",
];
const INDUSTRIES: &[(&str, &[&str])] = &[
    (
        "logistics",
        &[
            "route planning",
            "warehouse automation",
            "last-mile delivery",
        ],
    ),
    (
        "healthcare",
        &["patient scheduling", "clinical data", "telehealth"],
    ),
    (
        "fintech",
        &["payment fraud", "open banking", "credit risk models"],
    ),
    (
        "education",
        &["adaptive learning", "teacher tooling", "online courses"],
    ),
    (
        "renewable energy",
        &["grid storage", "solar forecasting", "wind farm maintenance"],
    ),
    (
        "cybersecurity",
        &["incident response", "zero trust", "threat hunting"],
    ),
    (
        "retail",
        &["demand forecasting", "loyalty programs", "store analytics"],
    ),
    (
        "biotech",
        &["protein design", "lab automation", "assay development"],
    ),
];
const EVENTS: &[&str] = &[
    "DataConf Berlin",
    "the Lisbon Web Summit",
    "PyData London",
    "the HIMSS meetup",
    "GreenTech Expo",
    "the Fintech Forum",
    "RSA Conference",
    "the Retail Insights Day",
];
const COMPANIES: &[&str] = &[
    "Nordfracht",
    "Meditrack",
    "Paylane",
    "Learnwise",
    "Voltaic",
    "Shieldware",
    "Shopwell",
    "Genexa",
];
const ROLES: &[&str] = &[
    "data engineer",
    "product manager",
    "backend developer",
    "operations lead",
    "ML engineer",
    "UX researcher",
    "solutions architect",
    "analyst",
];

/// One labelled row: persona, text, label, hints.
struct Row {
    persona: &'static str,
    text: String,
    spam: bool,
    name: &'static str,
    industry: &'static str,
    event: &'static str,
}

fn peer(d: &mut Draw, name: &'static str, industry: &'static str, topics: &[&str]) -> String {
    let me = d.pick(NAMES);
    let topic = d.pick(topics);
    let mut t = String::new();
    match d.below(3) {
        0 => write!(t, "Hi {name}, ").unwrap(),
        1 => write!(t, "Hello {name} - ").unwrap(),
        _ => t.push_str("Hi, "),
    }
    if d.chance(0.8) {
        write!(
            t,
            "I'm {me}, a {} at {}. ",
            d.pick(ROLES),
            d.pick(COMPANIES)
        )
        .unwrap();
    }
    let reason = [
        format!("I read your post about {topic} and I'd like to compare notes."),
        format!("I noticed we both work in {industry} and wanted to ask how your team approaches {topic}."),
        format!("Your work on {topic} caught my eye because we are tackling the same problem."),
        format!("We're both in {industry}; I'm curious how you think about {topic}."),
    ];
    t.push_str(&reason[d.below(reason.len())]);
    t.push(' ');
    t.push_str(d.pick(&[
        "Would you be open to a short call next week?",
        "Happy to share what we learned in return.",
        "Could we connect?",
        "No pressure, just thought it might be useful to both of us.",
    ]));
    if d.chance(0.3) {
        write!(t, " Best, {me}").unwrap();
    }
    t
}

fn recruiter(d: &mut Draw, name: &'static str, industry: &'static str) -> String {
    let role = d.pick(ROLES);
    let company = d.pick(COMPANIES);
    let mut t = String::new();
    if d.chance(0.6) {
        write!(t, "Hi {name}, I'm a recruiter at {company}. ").unwrap();
    } else {
        t.push_str("Hello, ");
    }
    write!(
        t,
        "We are hiring a {role} for our {industry} team in {}. ",
        d.pick(&[
            "Berlin",
            "London",
            "Toronto",
            "Austin",
            "Singapore",
            "remote"
        ])
    )
    .unwrap();
    if d.chance(0.4) {
        write!(
            t,
            "The salary range is ${}k-${}k plus equity. ",
            90 + d.below(40),
            140 + d.below(40)
        )
        .unwrap();
    }
    if d.chance(0.4) {
        write!(
            t,
            "Apply now or see the details at https://jobs.{}.com/{} ",
            company.to_lowercase(),
            1000 + d.below(9000)
        )
        .unwrap();
    }
    t.push_str(d.pick(&[
        "Would you be interested in a quick chat?",
        "Let me know if you are open to new opportunities.",
        "Interested? Reply and I'll send more details.",
    ]));
    t
}

fn conference(d: &mut Draw, name: &'static str, event: &'static str) -> String {
    let me = d.pick(NAMES);
    let mut t = String::new();
    t.push_str(d.pick(&[
        "Great meeting you at ",
        "It was nice to meet you at ",
        "Good to meet you at ",
        "Thanks for the chat at ",
    ]));
    write!(t, "{event}, {name}! ").unwrap();
    if d.chance(0.7) {
        write!(t, "This is {me} from the {} booth. ", d.pick(COMPANIES)).unwrap();
    }
    t.push_str(d.pick(&[
        "I'd love to continue our conversation about your talk.",
        "As promised, here are the slides I mentioned: https://slides.example.org/deck",
        "Would you like to grab a coffee when you are next in town?",
        "Let's stay in touch, I'll send the paper we discussed.",
    ]));
    t
}

fn member(d: &mut Draw, name: &str) -> String {
    let note = d.pick(&[
        "Hey, are you free for lunch on Thursday?",
        "Thanks again for the intro last week, it really helped!",
        "Congrats on the new role, well deserved.",
        "Saw you are moving to Lisbon, let me know if you need tips.",
        "Quick question: do you still have the notes from the workshop?",
        "Happy birthday! Hope you have a great day.",
        "Sorry I missed your call, I'm in meetings until 4. Call me at 555 0142 later?",
        "We won the hackathon!!! Thanks for the help with the demo.",
        "Can you send me the link to the survey again? www.forms.example.com/team",
        "Long time no see - coffee next week?",
    ]);
    // Addressed by name most of the time, so that the same words are not one bulk text.
    if d.chance(0.8) {
        format!("{name}, {note}")
    } else {
        note.to_string()
    }
}

fn spammer(d: &mut Draw, name: &'static str) -> String {
    let greet = if d.chance(0.5) {
        format!("Hi {name}, ")
    } else {
        d.pick(&["Dear friend, ", "Hello there! ", "", "Hi, "])
            .to_string()
    };
    let body = d.pick(&[
        "Congratulations! You have been selected to receive a $500 gift card. Claim it now at http://bit.ly/claim-gift before it expires!",
        "Earn $5,000 per week working from home. No experience needed. Limited spots, act now: www.easy-income.biz",
        "I can double your crypto in 7 days with our proven trading bot. Guaranteed profit, message me on WhatsApp +1 415 555 0199.",
        "Our SEO agency will put your site on page 1 of Google. 50% off this month only! Reply YES to get a free audit.",
        "Get 10,000 real followers for just $29. Boost your profile today: https://grow-fast.example.com",
        "URGENT: your account will be suspended. Verify your details immediately at http://secure-verify.example.net",
        "We help coaches like you get 20 new clients a month on autopilot. Interested in a free strategy session?",
        "Exclusive offer for professionals: buy our leadership course with a 70% discount. Click here: www.lead-academy.example",
        "You won our monthly prize draw! Call 0906 170 1461 now to claim your reward. T&Cs apply, 18+ only.",
        "Hot singles in your area want to meet you. Free sign up: http://date-now.example",
        "I have a business opportunity that will change your life. Let me know if you want details.",
        "Looking for investors for a guaranteed 30% monthly return. Minimum investment $1000.",
    ]);
    format!("{greet}{body}")
}

fn harasser(d: &mut Draw, name: &'static str) -> String {
    let opener = d.pick(&["", "Hey ", "Listen "]);
    let body = d.pick(&[
        "you are a pathetic loser and everyone knows it.",
        "why are you ignoring me?? Answer me!!!",
        "YOU THINK YOU ARE BETTER THAN ME? you're worthless.",
        "you'll regret ignoring my messages. I know where you work.",
        "stupid idiot, your posts are garbage.",
        "stop ignoring me. Answer me now.",
        "nobody likes you, just quit already.",
        "I'll keep writing until you answer. You can't ignore me forever.",
    ]);
    format!("{opener}{name} {body}")
}

/// The whole sample, deterministically.
fn generate(rows: usize) -> String {
    let mut d = Draw(20240605);
    let mut out = csv::WriterBuilder::new()
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(Vec::new());
    out.write_record([
        "id",
        "text",
        "label",
        "persona",
        "recipient_name",
        "recipient_industry",
        "shared_event",
    ])
    .unwrap();
    for i in 0..rows {
        let name = d.pick(NAMES);
        let (industry, topics) = INDUSTRIES[d.below(INDUSTRIES.len())];
        let event = d.pick(EVENTS);
        let roll = d.below(100);
        let row = match roll {
            0..=29 => Row {
                persona: "industry_peer",
                text: peer(&mut d, name, industry, topics),
                spam: false,
                name,
                industry,
                event: "",
            },
            30..=49 => Row {
                persona: "recruiter",
                text: recruiter(&mut d, name, industry),
                spam: false,
                name,
                industry,
                event: "",
            },
            50..=64 => Row {
                persona: "conference_contact",
                text: conference(&mut d, name, event),
                spam: false,
                name,
                industry,
                event,
            },
            65..=74 => Row {
                persona: "member",
                text: member(&mut d, name),
                spam: false,
                name,
                industry,
                event: "",
            },
            75..=94 => Row {
                persona: "spammer",
                text: spammer(&mut d, name),
                spam: true,
                name,
                industry,
                event: "",
            },
            _ => Row {
                persona: "harasser",
                text: harasser(&mut d, name),
                spam: true,
                name,
                industry,
                event: "",
            },
        };
        out.write_record([
            format!("r{i:05}").as_str(),
            &row.text,
            if row.spam { "spam" } else { "ham" },
            row.persona,
            row.name,
            row.industry,
            row.event,
        ])
        .unwrap();
    }
    String::from_utf8(out.into_inner().unwrap()).unwrap()
}

/// Regenerates `data/requests_sample.csv`.
#[test]
#[ignore = "writes data/requests_sample.csv; run on purpose"]
fn write_requests_sample() {
    let path = sample_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, generate(3000)).unwrap();
}

#[test]
fn the_generator_is_deterministic() {
    assert_eq!(generate(200), generate(200));
}

#[test]
fn the_shipped_sample_has_the_expected_shape() {
    let mut reader = csv::Reader::from_path(sample_path()).expect("data/requests_sample.csv");
    let headers = reader.headers().unwrap().clone();
    for column in ["id", "text", "label"] {
        assert!(headers.iter().any(|h| h == column), "no {column} column");
    }
    let label = headers.iter().position(|h| h == "label").unwrap();
    let (mut spam, mut ham) = (0, 0);
    for record in reader.records() {
        match &record.unwrap()[label] {
            "spam" => spam += 1,
            "ham" => ham += 1,
            other => panic!("label {other}"),
        }
    }
    assert!(spam + ham >= 1000, "a few thousand rows expected");
    assert!(spam > 0 && ham > 0);
}
