"""The input data contract (../shared/spec/data-contract.md, v1) as data.

Every other part of the pipeline (the sample-data generator, the loader, the row rules, the
great-expectations suites and the tests) reads the contract from here, so a file name, a column name, a
column's description or a vocabulary is written in exactly one place. The dbt side is generated from it by
``python -m ingestion.contract_codegen``: the raw sources (``dbt_project/models/staging/_sources.yml``), the
vocabularies the dbt ``accepted_values`` tests read (macro ``contract_values``) with their labels (macro
``contract_label_case``), the docs blocks model descriptions cite them by (``{{ doc('contract_<name>') }}``)
and the reconciliation key map with its per-file tests. To add a column, add it here (and its description
to ``COLUMN_DOCS``), then run the generator; a test fails while a generated file is stale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    STRING = "string"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    TIMESTAMP = "timestamp"
    BOOLEAN = "boolean"


# Decimal columns are staged as numeric(28,6) on every engine (dbt_project/macros/casts.sql reads the generated
# contract_decimal_type()): at most 22 digits before the point. A larger value would not fit, and staging's
# cast would turn it into NULL, so the loader quarantines it (decimal_out_of_range).
DECIMAL_PRECISION = 28
DECIMAL_SCALE = 6


class OrphanPolicy(StrEnum):
    # A row whose parent is unknown is meaningless (an order line without its order): quarantine it.
    REJECT = "reject"
    # An optional reference (an account's owner rep) that points nowhere: keep the row, and let the
    # dbt relationships test (severity warn) report it. Rejecting would cascade and drop real customers.
    KEEP = "keep"


@dataclass(frozen=True)
class ForeignKey:
    table: str
    column: str
    on_orphan: OrphanPolicy = OrphanPolicy.REJECT


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = ColumnType.STRING
    required: bool = False
    accepted_values: tuple[str, ...] | None = None
    min_value: float | None = None
    max_value: float | None = None
    references: ForeignKey | None = None


@dataclass(frozen=True)
class ContractFile:
    source: str  # landing sub-folder: crm, orders, channels, targets
    name: str  # file stem and raw table name
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def relative_path(self) -> str:
        return f"{self.source}/{self.name}.csv"

    @property
    def foreign_keys(self) -> list[tuple[str, ForeignKey]]:
        return [(c.name, c.references) for c in self.columns if c.references is not None]

    @property
    def parent_tables(self) -> list[str]:
        """Other contract tables this file must be loaded after (its rejecting foreign keys)."""
        parents = []
        for _, fk in self.foreign_keys:
            if fk.table != self.name and fk.table not in parents:
                parents.append(fk.table)
        return parents


S, INT, D, DT, TS, B = (
    ColumnType.STRING,
    ColumnType.INTEGER,
    ColumnType.DECIMAL,
    ColumnType.DATE,
    ColumnType.TIMESTAMP,
    ColumnType.BOOLEAN,
)
KEEP = OrphanPolicy.KEEP


def _c(name: str, type_: ColumnType = S, required: bool = False, **kw) -> Column:
    return Column(name=name, type=type_, required=required, **kw)


def _fk(table: str, column: str, policy: OrphanPolicy = OrphanPolicy.REJECT) -> ForeignKey:
    return ForeignKey(table, column, policy)


# Naive timestamps in the files are in the business time zone (data-contract.md); users override it in
# their settings (orchestration/settings.py).
DEFAULT_BUSINESS_TIMEZONE = "Asia/Shanghai"

CHANNEL_TYPES = ("direct", "distribution", "agency", "ecommerce", "cross_border")
# Chinese names of the channel types: [004] 直營/分銷/代理/電商/跨境 (domain.md §4.1), in simplified script. The
# spec gives no English names besides the codes. dim_channel.channel_type_zh reads them (macro
# contract_label_case) and so do the docs (doc block contract_channel_type_zh).
CHANNEL_TYPE_LABELS_ZH: dict[str, str] = {
    "direct": "直营",
    "distribution": "分销",
    "agency": "代理",
    "ecommerce": "电商",
    "cross_border": "跨境",
}
OPPORTUNITY_STATUSES = ("open", "won", "lost")
ORDER_STATUSES = ("placed", "approved", "shipped", "delivered", "cancelled", "returned")
LEAD_SOURCES = ("content", "social", "search", "event", "referral", "outbound", "partner")
LEAD_STATUSES = ("new", "nurturing", "qualified", "disqualified", "converted")
ACTIVITY_TYPES = ("call", "visit", "email", "meeting", "proposal", "quote", "survey", "care")
QUOTA_LEVELS = ("company", "region", "channel", "team", "rep", "partner")
QUOTA_METRICS = ("revenue", "collections", "new_customers", "won_deals")
# [000] names the result KPIs 销售额 / 回款额 / 新客户数 (domain.md §5.3); 赢单数 is the project's name.
QUOTA_METRIC_LABELS_ZH: dict[str, str] = {
    "revenue": "销售额",
    "collections": "回款额",
    "new_customers": "新客户数",
    "won_deals": "赢单数",
}
PERIOD_GRAINS = ("month", "quarter", "year")
PARTNER_TIERS = ("strategic", "preferred", "standard", "basic")
REP_ROLES = ("rep", "manager", "director")
ACCOUNT_TYPES = ("enterprise", "smb", "consumer")
CREDIT_RATINGS = ("A", "B", "C", "D")

# The names dbt reads a vocabulary by ({{ contract_values('channel_type') }}); derived columns further down
# the models (dim_channel.channel_type, fct_quota.metric) test against the same list.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "channel_type": CHANNEL_TYPES,
    "opportunity_status": OPPORTUNITY_STATUSES,
    "order_status": ORDER_STATUSES,
    "lead_source": LEAD_SOURCES,
    "lead_status": LEAD_STATUSES,
    "activity_type": ACTIVITY_TYPES,
    "quota_level": QUOTA_LEVELS,
    "quota_metric": QUOTA_METRICS,
    "period_grain": PERIOD_GRAINS,
    "partner_tier": PARTNER_TIERS,
    "rep_role": REP_ROLES,
    "account_type": ACCOUNT_TYPES,
    "credit_rating": CREDIT_RATINGS,
}

# Labels of a vocabulary's values, by vocabulary name; every value of the vocabulary has one, in its order
# ({{ contract_label_case('channel_type', 'channel_type') }} in SQL, {{ doc('contract_channel_type_zh') }}).
VOCABULARY_LABELS_ZH: dict[str, dict[str, str]] = {
    "channel_type": CHANNEL_TYPE_LABELS_ZH,
    "quota_metric": QUOTA_METRIC_LABELS_ZH,
}


def _listed(values: tuple[str, ...]) -> str:
    return ", ".join(values)


def _either(values: tuple[str, ...]) -> str:
    return f"{', '.join(values[:-1])} or {values[-1]}"


# Column descriptions for the dbt sources, one per column name: a name means the same thing in every file
# (account_id is always the customer account), so it is described once. " Required." is added from the
# column's flag.
COLUMN_DOCS: dict[str, str] = {
    "team_id": "Team identifier.",
    "team_name": "Team name.",
    "parent_team_id": "Parent team (team hierarchy); null for a top-level team.",
    "region": "Sales region.",
    "rep_id": "Sales rep identifier.",
    "rep_name": "Rep's name (PII).",
    "email": "E-mail address (PII).",
    "manager_rep_id": "The rep's manager.",
    "role": f"{_either(REP_ROLES)}.",
    "hire_date": "Hire date.",
    "termination_date": "Leave date; null while employed.",
    "account_id": "Customer account identifier (客户).",
    "account_name": "Customer name.",
    "industry": "Industry (行业属性).",
    "city": "City.",
    "city_tier": "City tier 1-5 (城市级别).",
    "account_type": f"{_either(ACCOUNT_TYPES)}.",
    "owner_rep_id": "Rep who owns the account.",
    "acquisition_channel_id": "Channel through which the customer was acquired.",
    "partner_id": "Channel partner (经销商/代理商).",
    "credit_rating": "Credit rating A-D (信用度).",
    "strategic_flag": "Manually flagged strategic customer (战略级).",
    "demand_intensity": "CRM score 1-5: 需求强度 (demand intensity), the B2B RFM extension.",
    "cooperation_potential": "CRM score 1-5: 合作潜力 (cooperation potential).",
    "strategic_fit": "CRM score 1-5: 战略匹配度 (strategic fit).",
    "contact_name": "Main contact (PII).",
    "contact_phone": "Contact phone (PII).",
    "contact_email": "Contact e-mail (PII).",
    "created_at": "Creation timestamp in the source system.",
    "updated_at": "Last update timestamp in the source system; the latest version wins.",
    "lead_id": "Lead identifier (销售线索).",
    "source": f"Lead source channel: {_listed(LEAD_SOURCES)}.",
    "campaign": "Marketing campaign.",
    "company_name": "Company named on the lead.",
    "status": "Record status.",
    "has_budget": "BANT/MAN: budget confirmed (Budget / Money).",
    "has_authority": "BANT/MAN: contact has decision authority.",
    "has_need": "BANT/MAN: explicit need.",
    "has_timeline": "BANT: purchase timeline known.",
    "decision_chain_size": "Number of decision makers (决策链; ≤3 preferred).",
    "converted_at": "When the lead became an opportunity.",
    "opportunity_id": "Opportunity identifier (销售机会 / 商机).",
    "channel_id": "Sales channel.",
    "product_id": "Product.",
    "stage": "Stage as delivered (any vocabulary in the stage_map seed).",
    "amount": "Amount in the row's currency.",
    "currency": "ISO currency code of the row.",
    "expected_close_date": "Expected close date (预计签单日期).",
    "closed_at": "When the deal was won or lost.",
    "lost_reason": "Why the deal was lost.",
    "checklist_c": "Items of the 9-item C/F/W checklist marked C (8个C,1个F,0个W rule).",
    "checklist_f": "Items marked F.",
    "checklist_w": "Items marked W.",
    "entered_at": "When the opportunity entered the stage.",
    "activity_id": "Activity identifier.",
    "activity_type": f"{_listed(ACTIVITY_TYPES)} (拜访/方案/报价...).",
    "occurred_at": "When the activity happened.",
    "outcome": "Free-text outcome.",
    "product_name": "Product name.",
    "product_line": "Product line (产品线).",
    "category": "Product category.",
    "list_price": "List price in the row's currency.",
    "unit_cost": "Standard unit cost in the row's currency.",
    "launched_at": "Launch date.",
    "is_new_product": "New product (新品).",
    "rate_date": "Date the rate applies from.",
    "rate_to_base": "Base-currency units per unit of the currency.",
    "order_id": "Order identifier (订单).",
    "order_date": "Order date.",
    "payment_terms_days": "Payment terms in days.",
    "due_date": "Payment due date.",
    "shipped_at": "Shipment timestamp.",
    "delivered_at": "Delivery timestamp.",
    "line_number": "Line number within the order.",
    "quantity": "Quantity; negative on a return line (退货).",
    "unit_price": "Unit price in the order currency.",
    "discount_pct": "Line discount as a fraction 0-1.",
    "payment_id": "Payment identifier (回款).",
    "paid_at": "When the payment was received.",
    "method": "Payment method.",
    "channel_name": "Channel name.",
    "channel_type": f"{_listed(CHANNEL_TYPES)} ({'/'.join(CHANNEL_TYPE_LABELS_ZH.values())}).",
    "channel_subtype": "Channel sub-type.",
    "partner_name": "Partner name.",
    "tier": f"Partner tier: {_listed(PARTNER_TIERS)}.",
    "parent_partner_id": "Upstream partner (an L2 distributor's L1).",
    "authorized_regions": "Semicolon list of regions the partner may sell in (授权区域).",
    "contract_start": "Partner agreement start.",
    "contract_end": "Partner agreement end.",
    "staff_count": "Partner sales staff headcount.",
    "staff_trained": "Partner staff who completed training.",
    "snapshot_date": "Inventory snapshot date.",
    "on_hand_qty": "Units on hand at the partner.",
    "sold_on": "Sell-out date.",
    "end_customer_region": "Region of the end customer (for 窜货 checks).",
    "serial_no": "Product serial number.",
    "period_start": "First day of the target period.",
    "period_grain": f"{_either(PERIOD_GRAINS)}.",
    "level": f"{_either(QUOTA_LEVELS)}.",
    "owner_id": "Id of the team/rep/partner/channel/region the target belongs to; null for company.",
    "metric": f"{_either(QUOTA_METRICS)}.",
    "target_value": "Target value (money targets in the base currency).",
}


CONTRACT: tuple[ContractFile, ...] = (
    # ---------------------------------------------------------------- crm
    ContractFile(
        "crm",
        "teams",
        (
            _c("team_id", required=True),
            _c("team_name", required=True),
            _c("parent_team_id", references=_fk("teams", "team_id", KEEP)),
            _c("region"),
        ),
        primary_key=("team_id",),
        description="Sales teams and their hierarchy.",
    ),
    ContractFile(
        "crm",
        "sales_reps",
        (
            _c("rep_id", required=True),
            _c("rep_name", required=True),
            _c("email"),
            _c("team_id", required=True, references=_fk("teams", "team_id")),
            _c("manager_rep_id", references=_fk("sales_reps", "rep_id", KEEP)),
            _c("role", accepted_values=REP_ROLES),
            _c("region"),
            _c("hire_date", DT),
            _c("termination_date", DT),
        ),
        primary_key=("rep_id",),
        description="Sales representatives (销售代表).",
    ),
    ContractFile(
        "crm",
        "accounts",
        (
            _c("account_id", required=True),
            _c("account_name", required=True),
            _c("industry"),
            _c("region"),
            _c("city"),
            _c("city_tier", INT, min_value=1, max_value=5),
            _c("account_type", accepted_values=ACCOUNT_TYPES),
            _c("owner_rep_id", references=_fk("sales_reps", "rep_id", KEEP)),
            _c("acquisition_channel_id", references=_fk("channels", "channel_id", KEEP)),
            _c("partner_id", references=_fk("partners", "partner_id", KEEP)),
            _c("credit_rating", accepted_values=CREDIT_RATINGS),
            _c("strategic_flag", B),
            _c("demand_intensity", INT, min_value=1, max_value=5),
            _c("cooperation_potential", INT, min_value=1, max_value=5),
            _c("strategic_fit", INT, min_value=1, max_value=5),
            _c("contact_name"),
            _c("contact_phone"),
            _c("contact_email"),
            _c("created_at", TS, required=True),
            _c("updated_at", TS),
        ),
        primary_key=("account_id",),
        description="Customer accounts (客户).",
    ),
    ContractFile(
        "crm",
        "leads",
        (
            _c("lead_id", required=True),
            _c("created_at", TS, required=True),
            _c("source", required=True, accepted_values=LEAD_SOURCES),
            _c("campaign"),
            _c("rep_id", references=_fk("sales_reps", "rep_id", KEEP)),
            _c("company_name"),
            _c("account_id", references=_fk("accounts", "account_id", KEEP)),
            _c("status", required=True, accepted_values=LEAD_STATUSES),
            _c("has_budget", B),
            _c("has_authority", B),
            _c("has_need", B),
            _c("has_timeline", B),
            _c("decision_chain_size", INT, min_value=0),
            _c("converted_at", TS),
            # Leads load before opportunities (opportunities reference leads), so this
            # reference is checked by dbt, not at load time.
            _c("opportunity_id"),
            _c("updated_at", TS),
        ),
        primary_key=("lead_id",),
        description="Sales leads (销售线索).",
    ),
    ContractFile(
        "crm",
        "opportunities",
        (
            _c("opportunity_id", required=True),
            _c("account_id", references=_fk("accounts", "account_id", KEEP)),
            _c("lead_id", references=_fk("leads", "lead_id", KEEP)),
            _c("rep_id", required=True, references=_fk("sales_reps", "rep_id")),
            _c("channel_id", references=_fk("channels", "channel_id", KEEP)),
            _c("partner_id", references=_fk("partners", "partner_id", KEEP)),
            _c("product_id", references=_fk("products", "product_id", KEEP)),
            _c("created_at", TS, required=True),
            # Any stage vocabulary is accepted here; the stage map seed maps it (dbt test).
            _c("stage", required=True),
            _c("status", required=True, accepted_values=OPPORTUNITY_STATUSES),
            _c("amount", D, min_value=0),
            _c("currency"),
            _c("expected_close_date", DT),
            _c("closed_at", TS),
            _c("lost_reason"),
            _c("checklist_c", INT, min_value=0, max_value=9),
            _c("checklist_f", INT, min_value=0, max_value=9),
            _c("checklist_w", INT, min_value=0, max_value=9),
            _c("updated_at", TS),
        ),
        primary_key=("opportunity_id",),
        description="Sales opportunities (销售机会 / 商机).",
    ),
    ContractFile(
        "crm",
        "opportunity_stage_history",
        (
            _c("opportunity_id", required=True, references=_fk("opportunities", "opportunity_id")),
            _c("stage", required=True),
            _c("entered_at", TS, required=True),
        ),
        primary_key=("opportunity_id", "entered_at"),
        description="One row per stage entry of an opportunity.",
    ),
    ContractFile(
        "crm",
        "activities",
        (
            _c("activity_id", required=True),
            _c("rep_id", required=True, references=_fk("sales_reps", "rep_id")),
            _c("account_id", references=_fk("accounts", "account_id", KEEP)),
            _c("opportunity_id", references=_fk("opportunities", "opportunity_id", KEEP)),
            _c("activity_type", required=True, accepted_values=ACTIVITY_TYPES),
            _c("occurred_at", TS, required=True),
            _c("outcome"),
        ),
        primary_key=("activity_id",),
        description="Sales activities: calls, visits, proposals, quotes (拜访 / 联系记录).",
    ),
    # ---------------------------------------------------------------- orders
    ContractFile(
        "orders",
        "products",
        (
            _c("product_id", required=True),
            _c("product_name", required=True),
            _c("product_line", required=True),
            _c("category"),
            _c("list_price", D, required=True, min_value=0),
            _c("unit_cost", D, min_value=0),
            _c("currency"),
            _c("launched_at", DT),
            _c("is_new_product", B),
        ),
        primary_key=("product_id",),
        description="Products and product lines (产品 / 产品线).",
    ),
    ContractFile(
        "orders",
        "fx_rates",
        (
            _c("currency", required=True),
            _c("rate_date", DT, required=True),
            _c("rate_to_base", D, required=True, min_value=0.0000001),
        ),
        primary_key=("currency", "rate_date"),
        description="Daily exchange rates to the base currency (default CNY).",
    ),
    ContractFile(
        "orders",
        "orders",
        (
            _c("order_id", required=True),
            _c("account_id", required=True, references=_fk("accounts", "account_id")),
            _c("rep_id", references=_fk("sales_reps", "rep_id", KEEP)),
            _c("channel_id", required=True, references=_fk("channels", "channel_id")),
            _c("partner_id", references=_fk("partners", "partner_id", KEEP)),
            _c("opportunity_id", references=_fk("opportunities", "opportunity_id", KEEP)),
            _c("order_date", DT, required=True),
            _c("status", required=True, accepted_values=ORDER_STATUSES),
            _c("currency", required=True),
            _c("payment_terms_days", INT, min_value=0),
            _c("due_date", DT),
            _c("shipped_at", TS),
            _c("delivered_at", TS),
            _c("updated_at", TS),
        ),
        primary_key=("order_id",),
        description="Order headers (订单).",
    ),
    ContractFile(
        "orders",
        "order_lines",
        (
            _c("order_id", required=True, references=_fk("orders", "order_id")),
            _c("line_number", INT, required=True, min_value=1),
            _c("product_id", required=True, references=_fk("products", "product_id")),
            # Negative quantity is a return line (退货).
            _c("quantity", INT, required=True),
            _c("unit_price", D, required=True, min_value=0),
            _c("discount_pct", D, min_value=0, max_value=1),
        ),
        primary_key=("order_id", "line_number"),
        description="Order lines, including return lines.",
    ),
    ContractFile(
        "orders",
        "payments",
        (
            _c("payment_id", required=True),
            _c("order_id", required=True, references=_fk("orders", "order_id")),
            _c("paid_at", TS, required=True),
            # A negative payment (a refund, a reversal) has no meaning in the collections marts, which apply
            # payments to what an order owes: quarantined (negative_value) rather than failing their checks.
            _c("amount", D, required=True, min_value=0),
            _c("currency", required=True),
            _c("method"),
        ),
        primary_key=("payment_id",),
        description="Customer payments against orders (回款).",
    ),
    # ---------------------------------------------------------------- channels
    ContractFile(
        "channels",
        "channels",
        (
            _c("channel_id", required=True),
            _c("channel_name", required=True),
            _c("channel_type", required=True, accepted_values=CHANNEL_TYPES),
            _c("channel_subtype"),
        ),
        primary_key=("channel_id",),
        description="Sales channels (销售渠道).",
    ),
    ContractFile(
        "channels",
        "partners",
        (
            _c("partner_id", required=True),
            _c("partner_name", required=True),
            _c("channel_id", required=True, references=_fk("channels", "channel_id")),
            _c("tier", accepted_values=PARTNER_TIERS),
            _c("parent_partner_id", references=_fk("partners", "partner_id", KEEP)),
            _c("region"),
            _c("authorized_regions"),
            _c("contract_start", DT),
            _c("contract_end", DT),
            _c("staff_count", INT, min_value=0),
            _c("staff_trained", INT, min_value=0),
        ),
        primary_key=("partner_id",),
        description="Channel partners: distributors, agents, retailers (经销商 / 代理商).",
    ),
    ContractFile(
        "channels",
        "partner_inventory",
        (
            _c("snapshot_date", DT, required=True),
            _c("partner_id", required=True, references=_fk("partners", "partner_id")),
            _c("product_id", required=True, references=_fk("products", "product_id")),
            _c("on_hand_qty", INT, required=True, min_value=0),
        ),
        primary_key=("snapshot_date", "partner_id", "product_id"),
        description="Partner inventory snapshots (渠道库存).",
    ),
    ContractFile(
        "channels",
        "partner_sell_out",
        (
            _c("partner_id", required=True, references=_fk("partners", "partner_id")),
            _c("product_id", required=True, references=_fk("products", "product_id")),
            _c("sold_on", DT, required=True),
            _c("quantity", INT, required=True),
            _c("unit_price", D, required=True, min_value=0),
            _c("end_customer_region"),
            _c("serial_no"),
        ),
        description="Partner sell-out to end customers (动销 / sell-out).",
    ),
    # ---------------------------------------------------------------- targets
    ContractFile(
        "targets",
        "quotas",
        (
            _c("period_start", DT, required=True),
            _c("period_grain", required=True, accepted_values=PERIOD_GRAINS),
            _c("level", required=True, accepted_values=QUOTA_LEVELS),
            _c("owner_id"),
            _c("metric", required=True, accepted_values=QUOTA_METRICS),
            _c("target_value", D, required=True, min_value=0),
        ),
        primary_key=("period_start", "period_grain", "level", "owner_id", "metric"),
        description="Sales targets / quotas (销售目标 / 定额) at every level and grain.",
    ),
)

CONTRACT_BY_NAME: dict[str, ContractFile] = {f.name: f for f in CONTRACT}

# Metadata columns every raw row carries (contract "Promises"), with their descriptions for the dbt sources.
META_COLUMN_DOCS: dict[str, str] = {
    "_load_id": "Load (file version) that delivered the row; joins audit.load_ledger.",
    "_source_file": "Landing path of the file.",
    "_loaded_at": "Load timestamp (UTC).",
    "_row_number": "1-based data row number in the file.",
    "_row_hash": "Hash of the row's contract columns.",
    "_is_quarantined": "True when the row failed a contract rule (see audit.quarantined_rows).",
}

# The rest of the dbt sources: the raw schema as a whole, and the loader's bookkeeping tables in audit.
RAW_SOURCE_DOC = "Landing files loaded verbatim (all text) by the ingestion assets; one table per contract file."
AUDIT_SOURCE_DOC = "Bookkeeping written by the loader."
AUDIT_TABLE_DOCS: dict[str, str] = {
    "load_ledger": "One row per loaded file version; is_current marks the version staging uses.",
    "quarantined_rows": "One row per rule violation of a received row (file, row number, column, reason).",
}


def contract_file(name: str) -> ContractFile:
    try:
        return CONTRACT_BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name!r} is not a file of the input contract") from None


def load_order() -> list[ContractFile]:
    """Contract files ordered so that every file loads after the parents its rows must exist in."""
    ordered: list[ContractFile] = []
    done: set[str] = set()
    pending = list(CONTRACT)
    while pending:
        progressed = False
        for f in list(pending):
            if all(p in done for p in f.parent_tables):
                ordered.append(f)
                done.add(f.name)
                pending.remove(f)
                progressed = True
        if not progressed:  # pragma: no cover - guarded by a unit test
            raise ValueError(f"cycle in contract references: {[f.name for f in pending]}")
    return ordered
