//! The catalogue of exported KPI families: name and help of each. Names are stable once
//! released; each is documented in docs/metrics.md and docs/kpis.md.

/// A family's name and help.
pub type Def = (&'static str, &'static str);

/// Upper bounds (seconds) of the lead response time histograms: minutes to a week.
pub const LEAD_RESPONSE_BOUNDS: [f64; 11] =
    [60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14_400.0, 28_800.0, 86_400.0, 172_800.0, 604_800.0];
/// Upper bounds (seconds) of the sales cycle histograms: a day to a year.
pub const SALES_CYCLE_BOUNDS: [f64; 9] =
    [86_400.0, 259_200.0, 604_800.0, 1_209_600.0, 2_592_000.0, 5_184_000.0, 7_776_000.0, 15_552_000.0, 31_536_000.0];
/// Upper bounds (seconds) of the time-in-stage histograms: an hour to a quarter.
pub const STAGE_DURATION_BOUNDS: [f64; 9] =
    [3600.0, 14_400.0, 86_400.0, 259_200.0, 604_800.0, 1_209_600.0, 2_592_000.0, 5_184_000.0, 7_776_000.0];

// Deals and revenue (KPIs 1, 2, 4, 22, 23, 24, 14, 21).
pub const WON_REVENUE: Def = ("sales_won_revenue", "Base-currency amount of deals closed won in the window.");
pub const AVERAGE_DEAL_SIZE: Def =
    ("sales_average_deal_size", "Won revenue / won deals with a known amount, in the window.");
pub const WON_DEALS_VALUED: Def = (
    "sales_won_deals_valued",
    "Deals closed won in the window whose amount is known (the denominator of the average deal size).",
);
pub const DEALS_CLOSED: Def = ("sales_deals_closed", "Deals closed in the window, by outcome.");
pub const WIN_RATE: Def = ("sales_win_rate", "Won / (won + lost) deals closed in the window.");
pub const WIN_RATE_ALL: Def = ("sales_win_rate_all", "Won / (won + lost + no decision) deals closed in the window.");
pub const WIN_LOSS_RATIO: Def = ("sales_win_loss_ratio", "Won / lost deals closed in the window.");
pub const CYCLE_SECONDS: Def =
    ("sales_cycle_seconds", "Sales cycle of deals won in the window: close time minus creation time.");
pub const WON_DEALS_BY_TYPE: Def = ("sales_won_deals", "Deals closed won in the window, by deal type.");
pub const EXPANSION_REVENUE: Def =
    ("sales_expansion_revenue", "Base-currency amount of upsell and cross-sell deals won in the window.");
pub const EXPANSION_RATE: Def =
    ("sales_expansion_rate", "Upsell or cross-sell deals won in the window / customers at the window start.");

// Pipeline (KPIs 5, 6, 7, 8, 9, 10, 11).
pub const PIPELINE_VALUE: Def = ("sales_pipeline_value", "Base-currency amount of open deals, by stage.");
pub const PIPELINE_DEALS: Def = ("sales_pipeline_deals", "Open deals, by stage.");
pub const PIPELINE_WEIGHTED: Def =
    ("sales_pipeline_weighted_value", "Sum of open deal amount x probability (the deal's own, else its stage's).");
pub const DEALS_STALLED: Def =
    ("sales_deals_stalled", "Open deals in their stage for longer than its configured limit, by stage.");
pub const DEALS_CREATED: Def = ("sales_deals_created", "Deals created in the window (cohort).");
pub const DEALS_CREATED_WON: Def = ("sales_deals_created_won", "Deals created in the window and won since (cohort).");
pub const PIPELINE_CONVERSION: Def =
    ("sales_pipeline_conversion_rate", "Deals created in the window and won since / deals created in the window.");
pub const STAGE_ENTERED: Def = ("sales_stage_entered", "Deals that entered the stage in the window (cohort).");
pub const STAGE_ADVANCED: Def =
    ("sales_stage_advanced", "Deals that entered the stage in the window and reached a later stage or a win since.");
pub const STAGE_CONVERSION: Def =
    ("sales_stage_conversion_rate", "Stage entries in the window that advanced since / stage entries in the window.");
pub const STAGE_DURATION: Def =
    ("sales_stage_duration_seconds", "Time deals spent in the stage, for visits that ended in the window.");
pub const PIPELINE_VELOCITY: Def = (
    "sales_pipeline_velocity",
    "Open deals x average deal size x win rate / average sales cycle in days (currency per day).",
);

// Leads (KPIs 12, 17, 18).
pub const LEADS_CREATED: Def = ("sales_leads_created", "Leads created in the window.");
pub const LEADS_CONVERTED: Def = ("sales_leads_converted", "Leads created in the window and converted since (cohort).");
pub const LEAD_CONVERSION_RATE: Def = ("sales_lead_conversion_rate", "Converted / created leads, cohort of creation.");
pub const LEAD_RESPONSE_SECONDS: Def = (
    "sales_lead_response_seconds",
    "First human outbound response to a lead minus its assignment (or creation), by response time.",
);
pub const LEADS_AWAITING: Def = ("sales_leads_awaiting_response", "Open leads with no human response yet.");
pub const LEAD_OLDEST_WAIT: Def =
    ("sales_lead_oldest_wait_seconds", "How long the oldest open lead has been waiting for a response.");

// Activity and voice of the customer (KPIs 15, 16, 27, 28, 29, 30, 31).
pub const ACTIVITIES: Def = ("sales_activities", "Activities logged in the window.");
pub const ACTIVE_REPS: Def = ("sales_active_reps", "Active reps of the team in the roster.");
pub const ACTIVITIES_PER_REP_DAY: Def =
    ("sales_activities_per_rep_day", "Activities / (active reps x days in the window), by kind.");
pub const TRAININGS: Def = ("sales_trainings_completed", "Trainings completed in the window.");
pub const TRAINING_SCORE: Def =
    ("sales_training_score", "Scores of the trainings completed in the window with a score: _sum and _count.");
pub const TRAINING_SCORE_AVG: Def =
    ("sales_training_score_avg", "Mean score of the trainings completed in the window with a score.");
pub const SURVEY_RESPONSES: Def = ("sales_survey_responses", "Survey responses in the window.");
pub const NPS: Def = ("sales_nps", "100 x (promoters - detractors) / NPS responses in the window.");
pub const CSAT: Def = ("sales_csat", "Percent of CSAT responses in the top two of the scale, in the window.");
pub const SENTIMENT_AVG: Def = ("sales_sentiment_avg", "Mean sentiment score (-1 to 1) in the window, by channel.");
pub const SENTIMENT_SCORE: Def =
    ("sales_sentiment_score", "Sentiment scores in the window, by channel: _sum and _count.");
pub const SOCIAL_ACTIONS: Def = ("sales_social_actions", "Social-selling actions in the window.");
pub const SOCIAL_ACCEPTANCE: Def =
    ("sales_social_acceptance_rate", "Connections accepted / connection requests sent, in the window.");

// Customers (KPIs 3, 13, 19, 20).
pub const NEW_CUSTOMERS: Def =
    ("sales_new_customers", "Accounts that became customers (new or won back) in the window.");
pub const CHURNED_CUSTOMERS: Def = ("sales_churned_customers", "Customers that churned in the window.");
pub const CUSTOMERS_AT_START: Def = ("sales_customers_at_window_start", "Customers at the start of the window.");
pub const RETENTION: Def =
    ("sales_customer_retention_rate", "1 - churned customers in the window / customers at the window start.");
pub const MRR_MOVEMENT: Def = (
    "sales_mrr_movement",
    "MRR of the customers at the window start: start, and its expansion, contraction and churn since.",
);
pub const NRR: Def = (
    "sales_net_revenue_retention",
    "(start MRR + expansion - contraction - churn) / start MRR of the window-start customers.",
);
pub const GRR: Def =
    ("sales_gross_revenue_retention", "(start MRR - contraction - churn) / start MRR of the window-start customers.");
pub const SPEND: Def =
    ("sales_spend", "Sales and marketing spend from the reference data, in the window (the same on every instance).");
pub const SPEND_PARTITIONED: Def = (
    "sales_spend_partitioned",
    "Sales and marketing spend recorded on the events topic, in the window (counted with its partition).",
);
pub const CAC: Def =
    ("sales_customer_acquisition_cost", "Sales + marketing spend in the window / new customers in the window.");
pub const MRR: Def = ("sales_mrr", "Monthly recurring revenue of the team's accounts now, in base currency.");
pub const CUSTOMERS: Def = ("sales_customers", "Accounts that are customers now.");
pub const CLV: Def =
    ("sales_customer_lifetime_value", "ARPA x gross margin / monthly logo churn rate over the last 90 days.");
pub const GROSS_MARGIN: Def =
    ("sales_gross_margin", "Gross margin applied to customer lifetime value: the kpis.gross_margin setting.");

// Calendar periods (KPIs 25, 26, 32, 33).
pub const PERIOD_WON_REVENUE: Def =
    ("sales_period_won_revenue", "Base-currency amount of deals won in the calendar period to date.");
pub const PREVIOUS_PERIOD_WON_REVENUE: Def =
    ("sales_previous_period_won_revenue", "Base-currency amount of deals won in the whole previous calendar period.");
pub const QUOTA: Def =
    ("sales_quota", "Sum of the quotas of the team's reps for the calendar period (reference data).");
pub const QUOTA_ATTAINMENT: Def =
    ("sales_quota_attainment", "Won revenue in the period to date / quota for the period.");
pub const QUOTA_REPS: Def = ("sales_quota_reps", "Active, quota-carrying reps with a quota for the period.");
pub const REP_PERIOD_WON_REVENUE: Def = (
    "sales_rep_period_won_revenue",
    "Won revenue to date of one of those reps, in the period (this instance's part: sum across instances).",
);
pub const REP_QUOTA: Def = ("sales_rep_quota", "The quota of one of those reps for the period (reference data).");

pub const MARKET_SIZE: Def = ("sales_market_size", "Total market revenue of the calendar period (reference data).");
pub const PREVIOUS_MARKET_SIZE: Def =
    ("sales_previous_market_size", "Total market revenue of the whole previous calendar period (reference data).");
pub const MARKET_SHARE: Def = ("sales_market_share", "Won revenue in the period to date / market size of the period.");
pub const MARKET_SHARE_GROWTH: Def =
    ("sales_market_share_growth", "Market share of the period to date minus that of the previous period, in points.");

// Per-rep series (opt-in).
pub const REP_WON_REVENUE: Def = ("sales_rep_won_revenue", "Won revenue of one rep in the window.");
pub const REP_DEALS_CLOSED: Def = ("sales_rep_deals_closed", "Deals one rep closed in the window, by outcome.");
pub const REP_WIN_RATE: Def = ("sales_rep_win_rate", "Won / (won + lost) deals of one rep in the window.");
pub const REP_ACTIVITIES: Def = ("sales_rep_activities", "Activities one rep logged in the window.");
pub const REP_LEAD_RESPONSE_SECONDS: Def =
    ("sales_rep_lead_response_seconds", "Lead response time of one rep, by response time.");
