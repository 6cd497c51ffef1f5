//! Leads, activities, social selling, surveys, sentiment and training.

use salespulse_events::{ActivityKind, Direction, SentimentChannel, SocialAction};

use super::builder::{At, Builder, labels, ratio, team_window};
use super::catalogue::*;
use crate::stat::{Dist, Stat, SurveyCat};
use crate::time::Window;
use crate::view::{Cell, Scope};

/// KPIs 12, 17, 18.
pub(crate) fn leads(c: &mut Builder<'_>) {
    for team in c.teams.clone() {
        for w in Window::ALL {
            let (created, converted) = (c.ws(&team, w, Stat::LeadsCreated), c.ws(&team, w, Stat::LeadsConverted));
            c.gauge(LEADS_CREATED, team_window(&team, w, &[]), Some(created));
            c.gauge(LEADS_CONVERTED, team_window(&team, w, &[]), Some(converted));
            c.gauge(LEAD_CONVERSION_RATE, team_window(&team, w, &[]), ratio(converted, created));
            c.histogram(
                LEAD_RESPONSE_SECONDS,
                team_window(&team, w, &[]),
                At { scope: Scope::Window(w), team: &team, rep: None, stage: None },
                Dist::LeadResponse,
                &LEAD_RESPONSE_BOUNDS,
            );
        }
        let waiting = c.cell(Scope::State, &team, Cell::LeadsAwaiting);
        c.gauge(LEADS_AWAITING, labels(&[("team", &team)]), Some(waiting));
        let oldest = c.view.find(Scope::State, &team, None, None, Cell::OldestWaitStart);
        let wait = oldest.map(|start| ((c.now as f64 - start) / 1000.0).max(0.0));
        c.gauge(LEAD_OLDEST_WAIT, labels(&[("team", &team)]), Some(wait.unwrap_or(0.0)));
    }
}

/// KPIs 15, 16, 31.
pub(crate) fn activities(c: &mut Builder<'_>) {
    for team in c.teams.clone() {
        let active = c.reference.reps().filter(|(_, i)| i.active && i.team == team).count() as f64;
        c.gauge(ACTIVE_REPS, labels(&[("team", &team)]), Some(active));
        for w in Window::ALL {
            for k in ActivityKind::ALL {
                let mut total = 0.0;
                for d in Direction::ALL {
                    let n = c.ws(&team, w, Stat::Activities(*k, *d));
                    total += n;
                    c.gauge(
                        ACTIVITIES,
                        team_window(&team, w, &[("kind", k.as_str()), ("direction", d.as_str())]),
                        Some(n),
                    );
                }
                c.gauge(
                    ACTIVITIES_PER_REP_DAY,
                    team_window(&team, w, &[("kind", k.as_str())]),
                    ratio(total, active * w.days()),
                );
            }
            for a in SocialAction::ALL {
                let n = c.ws(&team, w, Stat::Social(*a));
                c.gauge(SOCIAL_ACTIONS, team_window(&team, w, &[("action", a.as_str())]), Some(n));
            }
            let sent = c.ws(&team, w, Stat::Social(SocialAction::ConnectionRequestSent));
            let accepted = c.ws(&team, w, Stat::Social(SocialAction::ConnectionAccepted));
            c.gauge(SOCIAL_ACCEPTANCE, team_window(&team, w, &[]), ratio(accepted, sent));
        }
    }
}

/// KPIs 27, 28, 29, 30.
pub(crate) fn voice(c: &mut Builder<'_>) {
    for team in c.teams.clone() {
        for w in Window::ALL {
            let g = |s| c.ws(&team, w, s);
            let (trainings, scored, score_sum) =
                (g(Stat::Trainings), g(Stat::TrainingsScored), g(Stat::TrainingScoreSum));
            let survey = |cat| g(Stat::Survey(cat));
            let (p, pa, d) =
                (survey(SurveyCat::NpsPromoter), survey(SurveyCat::NpsPassive), survey(SurveyCat::NpsDetractor));
            let (sat, other) = (survey(SurveyCat::CsatSatisfied), survey(SurveyCat::CsatOther));
            c.gauge(TRAININGS, team_window(&team, w, &[]), Some(trainings));
            c.totals(TRAINING_SCORE, team_window(&team, w, &[]), scored, score_sum);
            c.gauge(TRAINING_SCORE_AVG, team_window(&team, w, &[]), ratio(score_sum, scored));
            for (cat, kind, name) in SurveyCat::ALL {
                let n = c.ws(&team, w, Stat::Survey(cat));
                c.gauge(SURVEY_RESPONSES, team_window(&team, w, &[("survey", kind), ("category", name)]), Some(n));
            }
            c.gauge(NPS, team_window(&team, w, &[]), ratio(100.0 * (p - d), p + pa + d));
            c.gauge(CSAT, team_window(&team, w, &[]), ratio(100.0 * sat, sat + other));
            for ch in SentimentChannel::ALL {
                let (n, sum) = (c.ws(&team, w, Stat::SentimentCount(*ch)), c.ws(&team, w, Stat::SentimentSum(*ch)));
                let l = team_window(&team, w, &[("channel", ch.as_str())]);
                c.totals(SENTIMENT_SCORE, l.clone(), n, sum);
                c.gauge(SENTIMENT_AVG, l, ratio(sum, n));
            }
        }
    }
}
