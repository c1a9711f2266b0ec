"""The input data contract (../shared/spec/data-contract.md, v1) as data.

Every other part of the pipeline (the sample-data generator, the loader, the row rules, the
great-expectations suites and the tests) reads the contract from here, so a file or column name is
spelled in exactly one Python place. The dbt sources in ``dbt_project/models/staging`` mirror it.
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
OPPORTUNITY_STATUSES = ("open", "won", "lost")
ORDER_STATUSES = ("placed", "approved", "shipped", "delivered", "cancelled", "returned")
LEAD_SOURCES = ("content", "social", "search", "event", "referral", "outbound", "partner")
LEAD_STATUSES = ("new", "nurturing", "qualified", "disqualified", "converted")
ACTIVITY_TYPES = ("call", "visit", "email", "meeting", "proposal", "quote", "survey", "care")
QUOTA_LEVELS = ("company", "region", "channel", "team", "rep", "partner")
QUOTA_METRICS = ("revenue", "collections", "new_customers", "won_deals")
PERIOD_GRAINS = ("month", "quarter", "year")
PARTNER_TIERS = ("strategic", "preferred", "standard", "basic")
CANONICAL_STAGES = ("1_qualified", "2_discovery", "3_proposal", "4_negotiation", "5_won", "6_collected", "lost")


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
            _c("role", accepted_values=("rep", "manager", "director")),
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
            _c("account_type", accepted_values=("enterprise", "smb", "consumer")),
            _c("owner_rep_id", references=_fk("sales_reps", "rep_id", KEEP)),
            _c("acquisition_channel_id", references=_fk("channels", "channel_id", KEEP)),
            _c("partner_id", references=_fk("partners", "partner_id", KEEP)),
            _c("credit_rating", accepted_values=("A", "B", "C", "D")),
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
            _c("amount", D, required=True),
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

# Metadata columns every raw row carries (contract "Promises").
META_COLUMNS = ("_load_id", "_source_file", "_loaded_at", "_row_number", "_row_hash", "_is_quarantined")


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
