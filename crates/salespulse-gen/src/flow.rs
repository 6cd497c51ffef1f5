//! Deal stages and closes, and the everyday events between stories.

use chrono::{DateTime, Utc};
use salespulse_events::*;

use crate::model::*;
use crate::stories::{DAY, Generator, HOUR, Step, Story};

impl Generator {
    /// Moves the deal to stage `i` (or loses it, or closes it after the last stage).
    pub(crate) fn stage(&mut self, s: &mut Story, t: DateTime<Utc>, i: usize) -> (Keyed, Option<f64>) {
        let rep = self.rep(s.rep).to_owned();
        let deal = s.deal.clone().expect("a deal story has a deal");
        // Between stage moves, reps meet and demo.
        if self.rng.chance(0.4) {
            let kind = if self.rng.chance(0.5) { ActivityKind::Meeting } else { ActivityKind::Demo };
            return (self.touch(s, t, kind, false, true), Some(self.rng.lognormal(2.0 * DAY, 0.5)));
        }
        if self.rng.chance(0.03) {
            s.rep = self.rng.below(self.reps.len());
            let e = self.ids.event(t, Body::DealOwnerChanged { deal_id: deal.id.into() });
            let owner = self.rep(s.rep).to_owned();
            return (keyed(e, Some(&owner), &s.account), Some(self.rng.exp(HOUR)));
        }
        if i == 2 && self.rng.chance(0.1) {
            let amount = ((deal.amount * (0.8 + 0.4 * self.rng.unit())) / 100.0).round() * 100.0;
            if let Some(d) = s.deal.as_mut() {
                d.amount = amount;
            }
            let body = Body::DealAmountChanged {
                deal_id: deal.id.into(),
                amount: Money { amount, currency: currency(deal.currency) },
            };
            return (keyed(self.ids.event(t, body), Some(&rep), &s.account), Some(self.rng.exp(DAY)));
        }
        if self.rng.chance(0.2) || i >= STAGES.len() {
            s.step = Step::Close;
            return self.close(s, t);
        }
        s.step = Step::Stage(i + 1);
        let body = Body::DealStageChanged { deal_id: deal.id.into(), stage: STAGES[i].0.into(), probability: None };
        (keyed(self.ids.event(t, body), Some(&rep), &s.account), Some(self.rng.lognormal(5.0 * DAY, 0.7)))
    }

    /// Closes the deal: won, lost or no decision; a few won deals get reopened.
    pub(crate) fn close(&mut self, s: &mut Story, t: DateTime<Utc>) -> (Keyed, Option<f64>) {
        let rep = self.rep(s.rep).to_owned();
        let deal = s.deal.clone().expect("a deal story has a deal");
        let outcome = [Outcome::Won, Outcome::Lost, Outcome::NoDecision][self.rng.weighted(&[0.35, 0.5, 0.15])];
        let amount = (outcome == Outcome::Won && self.rng.chance(0.7))
            .then(|| Money { amount: deal.amount, currency: currency(deal.currency) });
        let loss_reason = (outcome == Outcome::Lost)
            .then(|| self.rng.pick(&["price", "competitor", "timing", "features"]).to_string());
        let body =
            Body::DealClosed { deal_id: deal.id.into(), outcome, amount, loss_reason: loss_reason.map(Into::into) };
        let event = keyed(self.ids.event(t, body), Some(&rep), &s.account);
        let next = match outcome {
            Outcome::Won if self.rng.chance(0.03) => {
                s.step = Step::Reopen;
                Some(self.rng.exp(DAY))
            }
            Outcome::Won => {
                s.step = Step::Onboard;
                Some(self.rng.exp(HOUR))
            }
            _ => None,
        };
        (event, next)
    }

    /// Everyday events: activities, social selling, surveys, sentiment, trainings; a few
    /// sent twice.
    pub(crate) fn everyday(&mut self, t: DateTime<Utc>) -> Keyed {
        if let Some(last) = self.last_everyday.take()
            && self.rng.chance(self.cfg.duplicate_ratio)
        {
            return last;
        }
        let rep_i = self.rng.below(self.reps.len());
        let rep = self.rep(rep_i).to_owned();
        let account = format!("acc-{:05}", self.rng.below(self.cfg.accounts));
        let body = match self.rng.weighted(&[0.70, 0.12, 0.06, 0.08, 0.015, 0.005]) {
            0 => {
                let kinds = [
                    (ActivityKind::Call, 0.3),
                    (ActivityKind::Email, 0.35),
                    (ActivityKind::Meeting, 0.1),
                    (ActivityKind::Demo, 0.04),
                    (ActivityKind::Note, 0.08),
                    (ActivityKind::LinkedinMessage, 0.08),
                    (ActivityKind::Sms, 0.03),
                    (ActivityKind::Inmail, 0.02),
                ];
                let kind = kinds[self.rng.weighted(&kinds.map(|k| k.1))].0;
                let direction = if self.rng.chance(0.2) { Direction::Inbound } else { Direction::Outbound };
                let duration_s = matches!(kind, ActivityKind::Call | ActivityKind::Meeting)
                    .then(|| self.rng.lognormal(600.0, 0.7).round());
                let activity_id = format!("act-{}", self.ids.event_id());
                Body::ActivityLogged(Activity {
                    activity_id: activity_id.into(),
                    kind,
                    direction,
                    lead_id: None,
                    deal_id: None,
                    duration_s,
                    automated: false,
                })
            }
            1 => {
                let actions = [
                    (SocialAction::ConnectionRequestSent, 0.35),
                    (SocialAction::ConnectionAccepted, 0.15),
                    (SocialAction::MessageSent, 0.2),
                    (SocialAction::MessageReplied, 0.08),
                    (SocialAction::PostPublished, 0.05),
                    (SocialAction::ContentInteraction, 0.17),
                ];
                Body::SocialAction { action: actions[self.rng.weighted(&actions.map(|a| a.1))].0 }
            }
            2 => {
                let response_id = format!("r-{}", self.ids.event_id());
                let score = 1 + self.rng.weighted(&[0.05, 0.07, 0.18, 0.4, 0.3]) as u8;
                Body::SurveyResponded { response_id: response_id.into(), survey: Survey::Csat { score, scale_max: 5 } }
            }
            3 => {
                let channel =
                    *self.rng.pick(&[SentimentChannel::Call, SentimentChannel::Email, SentimentChannel::Social]);
                let score = ((self.rng.unit() * 1.6 - 0.5).clamp(-1.0, 1.0) * 100.0).round() / 100.0;
                Body::SentimentScored { score, channel }
            }
            4 => {
                let course_id = self
                    .rng
                    .pick(&["negotiation-101", "discovery-calls", "product-deep-dive", "social-selling"])
                    .to_string();
                Body::TrainingCompleted {
                    course_id: course_id.into(),
                    score: Some((60.0 + 40.0 * self.rng.unit()).round()),
                }
            }
            _ => {
                let category = if self.rng.chance(0.5) { SpendCategory::Sales } else { SpendCategory::Marketing };
                Body::SpendRecorded {
                    category,
                    amount: Money { amount: (self.rng.lognormal(2000.0, 0.5)).round(), currency: currency("EUR") },
                }
            }
        };
        let event = keyed(self.ids.event(t, body), Some(&rep), &account);
        self.last_everyday = Some(event.clone());
        event
    }
}
