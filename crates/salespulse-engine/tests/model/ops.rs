//! Random event sequences for the property test: a small world of reps, deals, leads
//! and accounts, with duplicates, out-of-order times, reopen/delete and owner changes.

use chrono::{DateTime, Duration, Utc};
use proptest::prelude::*;
use salespulse_events::*;

pub const REPS: [&str; 4] = ["ana", "ben", "cara", "zed"];
pub const STAGES: [&str; 6] = ["s1", "s2", "s3", "sx", "won", "lost"];

/// One generated action; `Dup` re-sends an earlier event as it was.
#[derive(Debug, Clone)]
pub enum Op {
    DealCreated { deal: u8, rep: usize, amount: u32, usd: bool, stage: usize, ty: usize, prob: Option<u8> },
    DealStage { deal: u8, stage: usize, prob: Option<u8> },
    DealAmount { deal: u8, amount: u32, usd: bool },
    DealOwner { deal: u8, rep: usize },
    DealClosed { deal: u8, outcome: usize, amount: Option<u32>, rep: Option<usize> },
    DealReopened { deal: u8 },
    DealDeleted { deal: u8 },
    LeadCreated { lead: u8, rep: Option<usize> },
    LeadAssigned { lead: u8, rep: usize },
    LeadConverted { lead: u8 },
    LeadDisqualified { lead: u8 },
    Activity { rep: usize, kind: usize, inbound: bool, lead: Option<u8>, automated: bool },
    Survey { rep: Option<usize>, nps: bool, score: u8 },
    Sentiment { rep: usize, channel: usize, score: i8 },
    Training { rep: usize, score: Option<u8> },
    Social { rep: usize, action: usize },
    Status { account: u8, customer: bool, rep: Option<usize> },
    Mrr { account: u8, mrr: u32, rep: Option<usize> },
    Dup { index: usize },
}

fn rep() -> impl Strategy<Value = usize> {
    0..REPS.len()
}

pub fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0..5u8, rep(), 1..50u32, any::<bool>(), 0..4usize, 0..4usize, proptest::option::of(0..=10u8)).prop_map(
            |(deal, rep, amount, usd, stage, ty, prob)| Op::DealCreated { deal, rep, amount, usd, stage, ty, prob }
        ),
        (0..5u8, 0..6usize, proptest::option::of(0..=10u8)).prop_map(|(deal, stage, prob)| Op::DealStage {
            deal,
            stage,
            prob
        }),
        (0..5u8, 1..50u32, any::<bool>()).prop_map(|(deal, amount, usd)| Op::DealAmount { deal, amount, usd }),
        (0..5u8, rep()).prop_map(|(deal, rep)| Op::DealOwner { deal, rep }),
        (0..5u8, 0..3usize, proptest::option::of(1..50u32), proptest::option::of(rep()))
            .prop_map(|(deal, outcome, amount, rep)| Op::DealClosed { deal, outcome, amount, rep }),
        (0..5u8).prop_map(|deal| Op::DealReopened { deal }),
        (0..5u8).prop_map(|deal| Op::DealDeleted { deal }),
        (0..5u8, proptest::option::of(rep())).prop_map(|(lead, rep)| Op::LeadCreated { lead, rep }),
        (0..5u8, rep()).prop_map(|(lead, rep)| Op::LeadAssigned { lead, rep }),
        (0..5u8).prop_map(|lead| Op::LeadConverted { lead }),
        (0..5u8).prop_map(|lead| Op::LeadDisqualified { lead }),
        (rep(), 0..8usize, any::<bool>(), proptest::option::of(0..5u8), any::<bool>())
            .prop_map(|(rep, kind, inbound, lead, automated)| Op::Activity { rep, kind, inbound, lead, automated }),
        (proptest::option::of(rep()), any::<bool>(), 0..=10u8).prop_map(|(rep, nps, score)| Op::Survey {
            rep,
            nps,
            score
        }),
        (rep(), 0..3usize, -10..=10i8).prop_map(|(rep, channel, score)| Op::Sentiment { rep, channel, score }),
        (rep(), proptest::option::of(0..=100u8)).prop_map(|(rep, score)| Op::Training { rep, score }),
        (rep(), 0..6usize).prop_map(|(rep, action)| Op::Social { rep, action }),
        (0..3u8, any::<bool>(), proptest::option::of(rep())).prop_map(|(account, customer, rep)| Op::Status {
            account,
            customer,
            rep
        }),
        (0..3u8, 0..50u32, proptest::option::of(rep())).prop_map(|(account, mrr, rep)| Op::Mrr { account, mrr, rep }),
        (0..1000usize).prop_map(|index| Op::Dup { index }),
    ]
}

/// Minutes before "now" at which an op happens: often clustered on a few instants (so
/// ties and near-ties between facts about one entity are common), mostly within the last
/// 35 days, sometimes anywhere from the near future to beyond the longest window.
pub fn minutes_ago() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => (0..12i64, 0..4i64).prop_map(|(anchor, step)| anchor * 3 * 1440 + step * 30),
        3 => 0..35 * 1440i64,
        1 => -10..95 * 1440i64,
    ]
}

fn money(amount: u32, usd: bool) -> Money {
    Money { amount: f64::from(amount) * 100.0, currency: Currency::parse(if usd { "USD" } else { "EUR" }).unwrap() }
}

/// Turns ops into events (ids `e0`, `e1`...; a `Dup` repeats an earlier event as is).
#[allow(clippy::too_many_lines, reason = "one arm per kind of op, each a few lines")]
pub fn events(ops: &[(Op, i64)], now: DateTime<Utc>) -> Vec<Event> {
    let mut out: Vec<Event> = Vec::new();
    for (i, (op, ago)) in ops.iter().enumerate() {
        if let Op::Dup { index } = op {
            if !out.is_empty() {
                let again = out[index % out.len()].clone();
                out.push(again);
            }
            continue;
        }
        let mut rep_id = None;
        let mut account_id = None;
        let who = |r: usize| Some(REPS[r].to_owned());
        let deal = |d: &u8| format!("d{d}");
        let lead = |l: &u8| format!("l{l}");
        let body = match op {
            Op::DealCreated { deal: d, rep, amount, usd, stage, ty, prob } => {
                rep_id = who(*rep);
                Body::DealCreated(DealCreated {
                    deal_id: deal(d).into(),
                    amount: money(*amount, *usd),
                    stage: STAGES[*stage].into(),
                    deal_type: DealType::ALL[*ty],
                    lead_id: None,
                    probability: prob.map(|p| f64::from(p) / 10.0),
                })
            }
            Op::DealStage { deal: d, stage, prob } => Body::DealStageChanged {
                deal_id: deal(d).into(),
                stage: STAGES[*stage].into(),
                probability: prob.map(|p| f64::from(p) / 10.0),
            },
            Op::DealAmount { deal: d, amount, usd } => {
                Body::DealAmountChanged { deal_id: deal(d).into(), amount: money(*amount, *usd) }
            }
            Op::DealOwner { deal: d, rep } => {
                rep_id = who(*rep);
                Body::DealOwnerChanged { deal_id: deal(d).into() }
            }
            Op::DealClosed { deal: d, outcome, amount, rep } => {
                rep_id = rep.and_then(who);
                Body::DealClosed {
                    deal_id: deal(d).into(),
                    outcome: Outcome::ALL[*outcome],
                    amount: amount.map(|a| money(a, false)),
                    loss_reason: None,
                }
            }
            Op::DealReopened { deal: d } => Body::DealReopened { deal_id: deal(d).into() },
            Op::DealDeleted { deal: d } => Body::DealDeleted { deal_id: deal(d).into() },
            Op::LeadCreated { lead: l, rep } => {
                rep_id = rep.and_then(who);
                Body::LeadCreated { lead_id: lead(l).into(), channel: None }
            }
            Op::LeadAssigned { lead: l, rep } => {
                rep_id = who(*rep);
                Body::LeadAssigned { lead_id: lead(l).into() }
            }
            Op::LeadConverted { lead: l } => Body::LeadConverted { lead_id: lead(l).into(), deal_id: None },
            Op::LeadDisqualified { lead: l } => Body::LeadDisqualified { lead_id: lead(l).into(), reason: None },
            Op::Activity { rep, kind, inbound, lead: l, automated } => {
                rep_id = who(*rep);
                Body::ActivityLogged(Activity {
                    activity_id: format!("a{i}").into(),
                    kind: ActivityKind::ALL[*kind],
                    direction: if *inbound { Direction::Inbound } else { Direction::Outbound },
                    lead_id: l.as_ref().map(lead).map(Into::into),
                    deal_id: None,
                    duration_s: None,
                    automated: *automated,
                })
            }
            Op::Survey { rep, nps, score } => {
                rep_id = rep.and_then(who);
                let survey = if *nps {
                    Survey::Nps { score: *score }
                } else {
                    Survey::Csat { score: 1 + score % 5, scale_max: 5 }
                };
                Body::SurveyResponded { response_id: format!("r{i}").into(), survey }
            }
            Op::Sentiment { rep, channel, score } => {
                rep_id = who(*rep);
                Body::SentimentScored { score: f64::from(*score) / 10.0, channel: SentimentChannel::ALL[*channel] }
            }
            Op::Training { rep, score } => {
                rep_id = who(*rep);
                Body::TrainingCompleted { course_id: "c".into(), score: score.map(f64::from) }
            }
            Op::Social { rep, action } => {
                rep_id = who(*rep);
                Body::SocialAction { action: SocialAction::ALL[*action] }
            }
            Op::Status { account, customer, rep } => {
                rep_id = rep.and_then(who);
                account_id = Some(format!("acc{account}"));
                let status = if *customer { CustomerStatus::Customer } else { CustomerStatus::Churned };
                Body::CustomerStatusChanged { status }
            }
            Op::Mrr { account, mrr, rep } => {
                rep_id = rep.and_then(who);
                account_id = Some(format!("acc{account}"));
                Body::RevenueChanged { mrr: money(*mrr, false) }
            }
            Op::Dup { .. } => unreachable!("handled above"),
        };
        out.push(Event {
            event_id: format!("e{i}").into(),
            occurred_at: now - Duration::minutes(*ago),
            rep_id: rep_id.map(Into::into),
            team_id: None,
            account_id: account_id.map(Into::into),
            source: None,
            body,
        });
    }
    out
}
