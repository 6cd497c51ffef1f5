//! Property: for generated CRM histories — creates, updates, owner changes, activities
//! planned and done, conversions, deletes, restores, accounts learnt late, redeliveries —
//! as each CRM sends them, every event the bridge makes about one lead, deal or account
//! carries one key for the entity's whole life, and the KPIs on 6 partitions (messages
//! placed by key, as Kafka places them) equal those on one.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Duration, Utc};
use common::Topic;
use proptest::prelude::*;
use salespulse_bridge::fixtures::story_config;
use salespulse_bridge::{Known, Mapped, Source, Tables, map};
use serde_json::{Value, json};

/// One step of a history.
#[derive(Debug, Clone)]
enum Op {
    Lead {
        l: u8,
        owner: u8,
        account: Option<u8>,
    },
    Assign {
        l: u8,
        owner: u8,
    },
    Touch {
        a: u8,
        lead: Option<u8>,
        deal: Option<u8>,
        done: bool,
        inbound: bool,
        owner: u8,
        account: Option<u8>,
    },
    Done {
        a: u8,
    },
    Convert {
        l: u8,
        d: u8,
        account: Option<u8>,
    },
    Deal {
        d: u8,
        owner: u8,
        stage: u8,
        amount: u16,
        account: Option<u8>,
    },
    Stage {
        d: u8,
        stage: u8,
    },
    Owner {
        d: u8,
        owner: u8,
    },
    Account {
        d: u8,
        account: u8,
    },
    Delete {
        d: u8,
    },
    Restore {
        d: u8,
    },
    /// The payload of `back + 1` steps ago, sent again as it was.
    Redeliver {
        back: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let (l, d, a, o) = (0..4u8, 0..4u8, 0..6u8, 0..3u8);
    prop_oneof![
        (l.clone(), o.clone(), proptest::option::of(0..3u8)).prop_map(|(l, owner, account)| Op::Lead {
            l,
            owner,
            account
        }),
        (l.clone(), o.clone()).prop_map(|(l, owner)| Op::Assign { l, owner }),
        (
            (a.clone(), proptest::option::of(l.clone()), proptest::option::of(d.clone())),
            (any::<bool>(), any::<bool>()),
            o.clone(),
            proptest::option::of(0..3u8)
        )
            .prop_map(|((a, lead, deal), (done, inbound), owner, account)| Op::Touch {
                a,
                lead,
                deal,
                done,
                inbound,
                owner,
                account
            }),
        a.prop_map(|a| Op::Done { a }),
        (l, d.clone(), proptest::option::of(0..3u8)).prop_map(|(l, d, account)| Op::Convert { l, d, account }),
        (d.clone(), o.clone(), 0..5u8, 1..100u16, proptest::option::of(0..3u8))
            .prop_map(|(d, owner, stage, amount, account)| Op::Deal { d, owner, stage, amount, account }),
        (d.clone(), 0..5u8).prop_map(|(d, stage)| Op::Stage { d, stage }),
        (d.clone(), o).prop_map(|(d, owner)| Op::Owner { d, owner }),
        (d.clone(), 0..3u8).prop_map(|(d, account)| Op::Account { d, account }),
        d.clone().prop_map(|d| Op::Delete { d }),
        d.prop_map(|d| Op::Restore { d }),
        (0..6u8).prop_map(|back| Op::Redeliver { back }),
    ]
}

fn now() -> DateTime<Utc> {
    "2026-11-26T12:00:00Z".parse().unwrap()
}

/// The time of step `i`: a minute apart, within the last day.
fn at(i: usize) -> DateTime<Utc> {
    now() - Duration::minutes(600) + Duration::minutes(i as i64)
}

/// Salesforce change events.
fn salesforce(i: usize, op: &Op) -> Value {
    const STAGES: [(&str, bool, bool); 5] = [
        ("Prospecting", false, false),
        ("Needs Analysis", false, false),
        ("Closed Won", true, true),
        ("Closed Lost", true, false),
        ("Mystery", false, false),
    ];
    let user = |o: u8| ["0055g00000AnaXXAAA", "0055g00000DanXXAAA", "00G5g00000QueueAAA"][o as usize].to_owned();
    let (lead, deal, task, account) = (
        |l: u8| format!("00QL{l}"),
        |d: u8| format!("006D{d}"),
        |a: u8| format!("00TA{a}"),
        |n: u8| format!("001A{n}"),
    );
    let change = |entity: &str, id: String, kind: &str, fields: Value| {
        let mut v = json!({"ChangeEventHeader": {"entityName": entity, "recordIds": [id], "changeType": kind,
            "transactionKey": format!("tx{i}"), "sequenceNumber": 1, "commitTimestamp": at(i).timestamp_millis()}});
        for (k, f) in fields.as_object().into_iter().flatten() {
            v[k] = f.clone();
        }
        v
    };
    let stage = |s: u8| {
        let (name, closed, won) = STAGES[s as usize];
        json!({"StageName": name, "IsClosed": closed, "IsWon": won})
    };
    match *op {
        Op::Lead { l, owner, .. } => change("Lead", lead(l), "CREATE", json!({"OwnerId": user(owner)})),
        Op::Assign { l, owner } => change("Lead", lead(l), "UPDATE", json!({"OwnerId": user(owner)})),
        Op::Touch { a, lead: on_lead, deal: on_deal, done, inbound, owner, account: acc } => change(
            "Task",
            task(a),
            "CREATE",
            json!({"TaskSubtype": "Call", "Status": if done { "Completed" } else { "Not Started" }, "IsClosed": done,
                   "CallType": if inbound { "Inbound" } else { "Outbound" }, "OwnerId": user(owner),
                   "WhoId": on_lead.map(lead), "WhatId": on_deal.map(deal), "AccountId": acc.map(account)}),
        ),
        Op::Done { a } => change("Task", task(a), "UPDATE", json!({"Status": "Completed", "IsClosed": true})),
        Op::Convert { l, d, account: acc } => change(
            "Lead",
            lead(l),
            "UPDATE",
            json!({"IsConverted": true, "ConvertedOpportunityId": deal(d), "ConvertedAccountId": acc.map(account)}),
        ),
        Op::Deal { d, owner, stage: s, amount, account: acc } => {
            let mut fields = stage(s);
            fields["OwnerId"] = json!(user(owner));
            fields["Amount"] = json!(amount);
            fields["CurrencyIsoCode"] = json!("EUR");
            fields["AccountId"] = json!(acc.map(account));
            change("Opportunity", deal(d), "CREATE", fields)
        }
        Op::Stage { d, stage: s } => change("Opportunity", deal(d), "UPDATE", stage(s)),
        Op::Owner { d, owner } => change("Opportunity", deal(d), "UPDATE", json!({"OwnerId": user(owner)})),
        Op::Account { d, account: n } => change("Opportunity", deal(d), "UPDATE", json!({"AccountId": account(n)})),
        Op::Delete { d } => change("Opportunity", deal(d), "DELETE", json!({})),
        Op::Restore { d } => change("Opportunity", deal(d), "UNDELETE", json!({})),
        Op::Redeliver { .. } => Value::Null,
    }
}

/// HubSpot webhook batches.
fn hubspot(i: usize, op: &Op) -> Value {
    const STAGES: [&str; 5] = ["appointmentscheduled", "qualifiedtobuy", "closedwon", "closedlost", "164"];
    let owner = |o: u8| ["301", "302", "399"][o as usize];
    let ms = at(i).timestamp_millis();
    let mut n = 0;
    let mut event = |kind: &str, fields: Value| {
        n += 1;
        let mut v = json!({"eventId": i * 100 + n, "portalId": 1, "occurredAt": ms, "subscriptionType": kind});
        for (k, f) in fields.as_object().into_iter().flatten() {
            v[k] = f.clone();
        }
        v
    };
    let (lead, deal, call, company) = (
        |l: u8| 7000 + u64::from(l),
        |d: u8| 9000 + u64::from(d),
        |a: u8| 5000 + u64::from(a),
        |c: u8| 100 + u64::from(c),
    );
    let prop =
        |id: u64, name: &str, value: String| json!({"objectId": id, "propertyName": name, "propertyValue": value});
    let assoc = |from: (&str, u64), to: (&str, u64)| json!({"fromObjectTypeId": from.0, "fromObjectId": from.1, "toObjectTypeId": to.0, "toObjectId": to.1, "associationRemoved": false});
    let call_prop = |id: u64, name: &str, value: &str| {
        let mut v = prop(id, name, value.to_owned());
        v["objectTypeId"] = json!("0-48");
        v
    };
    let events = match *op {
        Op::Lead { l, owner: o, .. } => vec![
            event("contact.creation", json!({"objectId": lead(l)})),
            event("contact.propertyChange", prop(lead(l), "hubspot_owner_id", owner(o).into())),
        ],
        Op::Assign { l, owner: o } => {
            vec![event("contact.propertyChange", prop(lead(l), "hubspot_owner_id", owner(o).into()))]
        }
        Op::Touch { a, lead: on_lead, deal: on_deal, done, inbound, owner: o, .. } => {
            let mut v = vec![
                event("object.creation", json!({"objectId": call(a), "objectTypeId": "0-48"})),
                event(
                    "object.propertyChange",
                    call_prop(call(a), "hs_call_status", if done { "COMPLETED" } else { "QUEUED" }),
                ),
                event(
                    "object.propertyChange",
                    call_prop(call(a), "hs_call_direction", if inbound { "INBOUND" } else { "OUTBOUND" }),
                ),
                event("object.propertyChange", call_prop(call(a), "hubspot_owner_id", owner(o))),
            ];
            if let Some(l) = on_lead {
                v.push(event("object.associationChange", assoc(("0-48", call(a)), ("0-1", lead(l)))));
            }
            if let Some(d) = on_deal {
                v.push(event("object.associationChange", assoc(("0-48", call(a)), ("0-3", deal(d)))));
            }
            v
        }
        Op::Done { a } => vec![event("object.propertyChange", call_prop(call(a), "hs_call_status", "COMPLETED"))],
        Op::Convert { l, d, .. } => vec![event("object.associationChange", assoc(("0-1", lead(l)), ("0-3", deal(d))))],
        Op::Deal { d, owner: o, stage, amount, account } => {
            let mut v = vec![
                event("deal.creation", json!({"objectId": deal(d)})),
                event("deal.propertyChange", prop(deal(d), "dealstage", STAGES[stage as usize].into())),
                event("deal.propertyChange", prop(deal(d), "amount", amount.to_string())),
                event("deal.propertyChange", prop(deal(d), "hubspot_owner_id", owner(o).into())),
            ];
            if let Some(c) = account {
                v.push(event("object.associationChange", assoc(("0-3", deal(d)), ("0-2", company(c)))));
            }
            v
        }
        Op::Stage { d, stage } => {
            vec![event("deal.propertyChange", prop(deal(d), "dealstage", STAGES[stage as usize].into()))]
        }
        Op::Owner { d, owner: o } => {
            vec![event("deal.propertyChange", prop(deal(d), "hubspot_owner_id", owner(o).into()))]
        }
        Op::Account { d, account } => {
            vec![event("object.associationChange", assoc(("0-3", deal(d)), ("0-2", company(account))))]
        }
        Op::Delete { d } => vec![event("deal.deletion", json!({"objectId": deal(d)}))],
        Op::Restore { d } => vec![event("deal.restore", json!({"objectId": deal(d)}))],
        Op::Redeliver { .. } => return Value::Null,
    };
    Value::Array(events)
}

/// Pipedrive webhooks: whole objects, so the CRM's side of each is kept.
#[derive(Default)]
struct Pipedrive {
    deals: HashMap<u8, Value>,
    activities: HashMap<u8, Value>,
}

impl Pipedrive {
    fn hook(i: usize, action: &str, entity: &str, id: String, data: Value, previous: Value) -> Value {
        json!({"meta": {"action": action, "entity": entity, "entity_id": id, "id": format!("h{i}"),
                        "timestamp": at(i).to_rfc3339()}, "data": data, "previous": previous})
    }

    fn render(&mut self, i: usize, op: &Op) -> Value {
        let lead = |l: u8| format!("lead-{l}");
        let owner = |o: u8| 12 + i64::from(o);
        let deal_id = |d: u8| 500 + i64::from(d);
        let set_stage = |v: &mut Value, s: u8| match s {
            2 => v["status"] = json!("won"),
            3 => v["status"] = json!("lost"),
            s => {
                v["status"] = json!("open");
                v["stage_id"] = json!([1, 2, 0, 0, 99][s as usize]);
            }
        };
        match *op {
            Op::Lead { l, owner: o, account } => {
                let data =
                    json!({"id": lead(l), "owner_id": owner(o), "organization_id": account.map(|c| 80 + i64::from(c))});
                Self::hook(i, "create", "lead", lead(l), data, Value::Null)
            }
            Op::Assign { l, owner: o } => {
                Self::hook(i, "change", "lead", lead(l), json!({"id": lead(l), "owner_id": owner(o)}), Value::Null)
            }
            Op::Touch { a, lead: on_lead, deal: on_deal, done, inbound, owner: o, account } => {
                let data = json!({"id": a, "type": if inbound { "inbound_call" } else { "call" }, "done": done,
                    "owner_id": owner(o), "lead_id": on_lead.map(lead), "deal_id": on_deal.map(deal_id),
                    "org_id": account.map(|c| 80 + i64::from(c))});
                self.activities.insert(a, data.clone());
                Self::hook(i, "create", "activity", a.to_string(), data, Value::Null)
            }
            Op::Done { a } => {
                let data = self.activities.entry(a).or_insert_with(|| json!({"id": a, "type": "call", "owner_id": 12}));
                data["done"] = json!(true);
                Self::hook(i, "change", "activity", a.to_string(), data.clone(), json!({"done": false}))
            }
            Op::Convert { l, d, .. } => {
                // The conversion moves the lead's activities to the deal: one, moved.
                let id = 100 + i;
                let data = json!({"id": id, "type": "task", "done": false, "owner_id": 12, "lead_id": null, "deal_id": deal_id(d)});
                Self::hook(i, "change", "activity", id.to_string(), data, json!({"lead_id": lead(l)}))
            }
            Op::Deal { d, owner: o, stage, amount, account } => {
                let mut data = json!({"id": deal_id(d), "owner_id": owner(o), "value": amount, "currency": "EUR",
                    "stage_id": 1, "org_id": account.map(|c| 80 + i64::from(c))});
                set_stage(&mut data, stage);
                self.deals.insert(d, data.clone());
                Self::hook(i, "create", "deal", deal_id(d).to_string(), data, Value::Null)
            }
            Op::Stage { d, stage } => self.change_deal(i, d, |v| set_stage(v, stage)),
            Op::Owner { d, owner: o } => self.change_deal(i, d, |v| v["owner_id"] = json!(owner(o))),
            Op::Account { d, account } => self.change_deal(i, d, |v| v["org_id"] = json!(80 + i64::from(account))),
            Op::Delete { d } => Self::hook(i, "delete", "deal", deal_id(d).to_string(), Value::Null, Value::Null),
            Op::Restore { d } => self.change_deal(i, d, |v| v["is_deleted"] = json!(false)),
            Op::Redeliver { .. } => Value::Null,
        }
    }

    fn change_deal(&mut self, i: usize, d: u8, f: impl FnOnce(&mut Value)) -> Value {
        let data =
            self.deals.entry(d).or_insert_with(|| json!({"id": 500 + i64::from(d), "owner_id": 12, "stage_id": 1}));
        f(data);
        Self::hook(i, "change", "deal", (500 + i64::from(d)).to_string(), data.clone(), Value::Null)
    }
}

/// The payloads of a history as `source` sends them (a redelivery repeats an earlier one).
fn payloads(source: Source, ops: &[Op]) -> Vec<Value> {
    let mut pipedrive = Pipedrive::default();
    let mut out: Vec<Value> = Vec::new();
    for (i, op) in ops.iter().enumerate() {
        let payload = match (op, source) {
            (Op::Redeliver { back }, _) => match out.len().checked_sub(usize::from(*back) + 1) {
                Some(j) => out[j].clone(),
                None => continue,
            },
            (_, Source::Salesforce) => salesforce(i, op),
            (_, Source::HubSpot) => hubspot(i, op),
            (_, Source::Pipedrive) => pipedrive.render(i, op),
        };
        out.push(payload);
    }
    out
}

/// Maps a history onto a topic of `partitions`; returns the keys each entity's events
/// were given.
fn run(source: Source, ops: &[Op], partitions: usize) -> (Topic, BTreeMap<String, BTreeSet<String>>) {
    let cfg = story_config();
    let (tables, mut known) = (Tables::new(&cfg), Known::new(10_000));
    let mut topic = Topic::new(partitions, now());
    topic.apply(map::reference(&cfg, now() - Duration::days(1)));
    let mapper: fn(&Value, &mut Known, &Tables) -> Mapped = match source {
        Source::Salesforce => map::salesforce,
        Source::HubSpot => map::hubspot,
        Source::Pipedrive => map::pipedrive,
    };
    let mut keys: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for payload in payloads(source, ops) {
        known.begin();
        for out in topic.apply(mapper(&payload, &mut known, &tables)) {
            keys.entry(format!("{:?}", out.event.subject())).or_default().insert(out.key);
        }
        known.commit();
    }
    (topic, keys)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn one_key_per_entity_and_the_same_kpis_on_six_partitions_as_on_one(ops in proptest::collection::vec(op(), 1..60)) {
        for source in Source::ALL {
            let (six, keys) = run(source, &ops, 6);
            for (subject, k) in keys.iter().filter(|(s, _)| !s.starts_with("Unattached")) {
                prop_assert_eq!(k.len(), 1, "{}: {} was keyed {:?}", source, subject, k);
            }
            let (one, _) = run(source, &ops, 1);
            let (six, one) = (six.kpis(), one.kpis());
            let differ: Vec<_> = six.iter().filter(|(k, v)| one.get(*k) != Some(v)).take(5).collect();
            prop_assert!(differ.is_empty() && six.len() == one.len(), "{}: 6 partitions differ from 1: {:?}", source, differ);
        }
    }
}
