//! Message texts, composed from fragments by the ingredients a sender style
//! draws (greeting by name, introduction, reason, references, links,
//! promotion, abuse...). Texts are rendered into a reused buffer: the
//! analyzer reads real text, exactly as it would read a user's.

use std::fmt::Write;

/// The visible subject of a message: what a reader takes it to be about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u16)]
pub enum Topic {
    /// Everyday talk between people who know each other.
    Chat = 0,
    /// Professional outreach: advice, collaboration, comparing notes.
    Outreach = 1,
    /// A job opportunity.
    Job = 2,
    /// A follow-up to an event both attended.
    Event = 3,
    /// Selling something.
    Pitch = 4,
    /// Insults and threats.
    Abuse = 5,
    /// "Just following up".
    FollowUp = 6,
    /// A reply in a thread.
    Reply = 7,
}

impl Topic {
    pub fn from_tag(tag: u16) -> Topic {
        match tag {
            1 => Topic::Outreach,
            2 => Topic::Job,
            3 => Topic::Event,
            4 => Topic::Pitch,
            5 => Topic::Abuse,
            6 => Topic::FollowUp,
            7 => Topic::Reply,
            _ => Topic::Chat,
        }
    }
}

/// What goes into one message.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ingredients {
    pub greet_by_name: bool,
    pub introduce: bool,
    pub give_reason: bool,
    pub mention_industry: bool,
    pub mention_event: bool,
    pub job_offer: bool,
    pub link: bool,
    pub promo: bool,
    pub money: bool,
    pub urgency: bool,
    pub shouting: bool,
    pub abusive: bool,
    /// Which variant of each fragment (a per-message draw).
    pub variant: u32,
}

impl Ingredients {
    /// The topic a reader would see.
    pub fn topic(&self, to_connection: bool) -> Topic {
        if self.abusive {
            Topic::Abuse
        } else if self.job_offer {
            Topic::Job
        } else if self.promo || self.money {
            Topic::Pitch
        } else if self.mention_event {
            Topic::Event
        } else if to_connection {
            Topic::Chat
        } else {
            Topic::Outreach
        }
    }
}

/// Names the text may mention.
#[derive(Clone, Copy, Debug)]
pub struct Slots<'a> {
    pub sender_name: &'a str,
    /// `None` when the text is reused for many recipients (bulk).
    pub recipient_name: Option<&'a str>,
    pub sender_industry: &'a str,
    pub recipient_industry: &'a str,
    pub event: Option<u32>,
    pub topic_seed: u32,
}

const TOPICS: &[&str] = &[
    "onboarding flows",
    "pricing experiments",
    "hiring plans",
    "data quality",
    "supply chain delays",
    "compliance audits",
    "customer research",
    "remote teams",
    "vendor selection",
    "quarterly planning",
    "security reviews",
    "the new regulations",
];

fn pick<'a>(list: &[&'a str], v: u32, salt: u32) -> &'a str {
    list[(v
        .wrapping_mul(2_654_435_761)
        .wrapping_add(salt.wrapping_mul(40_503))
        >> 7) as usize
        % list.len()]
}

/// The name of an event (derived from its id), written without allocating.
#[derive(Clone, Copy, Debug)]
pub struct EventName(pub u32);

impl std::fmt::Display for EventName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const KINDS: &[&str] = &["Summit", "Meetup", "Forum", "Expo", "Conference"];
        const CITIES: &[&str] = &[
            "Lisbon",
            "Berlin",
            "Austin",
            "Toronto",
            "Singapore",
            "Nairobi",
            "Lyon",
            "Osaka",
        ];
        let e = self.0 as usize;
        write!(
            f,
            "{} {} {}",
            CITIES[e % CITIES.len()],
            KINDS[(e / 8) % KINDS.len()],
            2020 + e % 7
        )
    }
}

/// Renders a message into `out` (cleared first).
pub fn compose(out: &mut String, i: &Ingredients, s: &Slots) {
    out.clear();
    let v = i.variant;
    // Errors cannot happen when writing to a String.
    let _ = compose_into(out, i, s, v);
    if i.shouting {
        out.make_ascii_uppercase();
        out.push_str("!!!");
    }
}

fn compose_into(out: &mut String, i: &Ingredients, s: &Slots, v: u32) -> std::fmt::Result {
    match s.recipient_name.filter(|_| i.greet_by_name) {
        Some(name) => write!(
            out,
            "{} {name}, ",
            pick(&["Hi", "Hello", "Dear", "Hey"], v, 1)
        )?,
        None => write!(
            out,
            "{} ",
            pick(
                &["Hi,", "Hello,", "Hi there,", "Greetings,", "Dear friend,"],
                v,
                1
            )
        )?,
    }
    if i.abusive {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "you are pathetic and everyone knows it.",
                    "stop ignoring me, you idiot.",
                    "you'll regret ignoring me.",
                    "nobody wants you here, loser.",
                    "you are worthless and I will keep writing until you answer.",
                ],
                v,
                2
            )
        )?;
        return Ok(());
    }
    if i.introduce {
        let (name, industry) = (s.sender_name, s.sender_industry);
        match v % 3 {
            0 => write!(out, "I'm {name}, I work in {industry}. ")?,
            1 => write!(
                out,
                "My name is {name} and I lead a small team in {industry}. "
            )?,
            _ => write!(out, "This is {name}, a {industry} consultant. ")?,
        }
    }
    let topic = pick(TOPICS, s.topic_seed, 3);
    if let Some(event) = s.event.filter(|_| i.mention_event) {
        let event = EventName(event);
        match v % 3 {
            0 => write!(out, "It was great meeting you at the {event}. ")?,
            1 => write!(
                out,
                "We spoke briefly at the {event} after the panel on {topic}. "
            )?,
            _ => write!(out, "Good to meet you at the {event}! ")?,
        }
    }
    if i.job_offer {
        if i.mention_industry {
            write!(
                out,
                "I'm hiring for a senior role in {} and your background looks like a strong fit. ",
                s.recipient_industry
            )?;
        } else {
            write!(
                out,
                "{} ",
                pick(
                    &[
                        "We have exciting opportunities that match your profile.",
                        "I have a role that could be interesting for you.",
                        "Are you open to new opportunities?",
                    ],
                    v,
                    4
                )
            )?;
        }
    } else if i.mention_industry {
        write!(
            out,
            "I see you work in {} too, and I'm curious how your team handles {topic}. ",
            s.recipient_industry
        )?;
    }
    if i.give_reason {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "I'd like to compare notes because we are about to make the same decision.",
                    "I would value ten minutes of your view on it.",
                    "I'm reaching out because your post on it was the clearest I have read.",
                    "Would you be open to a short call next week?",
                ],
                v,
                5
            )
        )?;
    }
    if i.money {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "Earn $5,000 per month from home.",
                    "Our clients double their income in weeks.",
                    "Get paid in cash for every referral.",
                ],
                v,
                6
            )
        )?;
    }
    if i.promo {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "Buy now and get 50% off our premium package.",
                    "Claim your free trial today.",
                    "Special offer for new customers: sign up now.",
                    "Click here to get your free gift.",
                ],
                v,
                7
            )
        )?;
    }
    if i.urgency {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "Act now, this offer expires tonight.",
                    "Limited time only!",
                    "Don't miss out, last chance."
                ],
                v,
                8
            )
        )?;
    }
    if i.link {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "https://bit.ly/3xYz9",
                    "Details: http://growth-deals.example/offer",
                    "See www.careers-portal.example/apply",
                ],
                v,
                9
            )
        )?;
    }
    if !i.introduce && !i.give_reason && !i.money && !i.promo && !i.job_offer && s.event.is_none() {
        write!(
            out,
            "{} ",
            pick(
                &[
                    "Are we still on for Thursday?",
                    "Thanks for the intro last week.",
                    "Quick question about the report.",
                    "Let's catch up soon."
                ],
                v,
                10
            )
        )?;
    }
    write!(
        out,
        "{}",
        pick(&["Best regards", "Thanks", "Cheers", "Kind regards"], v, 11)
    )?;
    if i.introduce {
        write!(out, ", {}", s.sender_name)?;
    }
    Ok(())
}

/// A short follow-up to an unanswered request.
pub fn compose_follow_up(out: &mut String, recipient_name: Option<&str>, v: u32) {
    out.clear();
    let _ = match recipient_name {
        Some(name) => write!(out, "Hi {name}, "),
        None => write!(out, "Hi, "),
    };
    let _ = write!(
        out,
        "{}",
        pick(
            &[
                "just following up on my note from last week.",
                "did you have a chance to read my message?",
                "bumping this in case it got buried.",
            ],
            v,
            12
        )
    );
}

/// A reply in a thread after an accepted request.
pub fn compose_reply(out: &mut String, recipient_name: &str, v: u32) {
    out.clear();
    let _ = write!(
        out,
        "Hi {recipient_name}, thanks for reaching out. {}",
        pick(
            &[
                "Happy to talk next week.",
                "Sure, let's find a time.",
                "Thanks, I'll have a look.",
            ],
            v,
            13
        )
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Slots<'static> {
        Slots {
            sender_name: "Ana",
            recipient_name: Some("Ben"),
            sender_industry: "software",
            recipient_industry: "finance",
            event: Some(3),
            topic_seed: 1,
        }
    }

    #[test]
    fn ingredients_show_in_the_text() {
        let mut out = String::new();
        let i = Ingredients {
            greet_by_name: true,
            introduce: true,
            mention_event: true,
            ..Default::default()
        };
        compose(&mut out, &i, &slots());
        assert!(out.starts_with("Hi Ben") || out.contains("Ben,"), "{out}");
        assert!(out.contains("Ana"), "{out}");
        assert!(out.contains(&EventName(3).to_string()), "{out}");
        let spam = Ingredients {
            link: true,
            promo: true,
            shouting: true,
            ..Default::default()
        };
        compose(
            &mut out,
            &spam,
            &Slots {
                recipient_name: None,
                ..slots()
            },
        );
        assert!(!out.contains("Ben"), "{out}");
        assert!(out.ends_with("!!!"), "{out}");
    }
}
