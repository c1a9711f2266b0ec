"""Synthetic landing data for every file of the input contract (``ingestion.contract``).

``generate_landing(landing_dir, scale=1.0, seed=42)`` writes ``<landing>/<source>/<name>.csv`` for each
contract file (UTF-8, header, comma, columns in contract order, ISO dates / timestamps, ``true``/``false``)
plus two answer-key files next to them:

* ``_bad_rows.csv`` (file, row_number, column, kind): every deliberately broken row. ``row_number`` is
  the 1-based data row number (header excluded) in ``file`` (the contract relative path).
* ``_generation.json``: seed, scale, row counts per file, bad rows per file, the deliberate quota
  mismatches and the forward-looking date columns.

Business window: 2024-01-01 .. 2025-12-31 (``WINDOW_START`` / ``WINDOW_END``). No event is dated after the
window end. The only columns that may hold a later date are the *planned* dates in
``FORWARD_LOOKING_COLUMNS`` (an invoice due date, an expected close date, a contract end date): the
receivable aging and overdue-pipeline marts need "not yet due" values as of 2025-12-31.

What the data makes true (so that the marts of ``domain.md`` have something to find):

* Funnel (§2): opportunities walk ``1_qualified .. 4_negotiation`` then ``5_won`` (and ``6_collected``
  once the linked order is paid) or end ``lost`` at any stage; fewer reach each later stage; ~6% skip
  a stage, ~5% re-enter an earlier one, ~6% stall (open and overdue at the window end). One history row
  per stage entry with strictly increasing ``entered_at``. Deals with the 8C/1F/0W checklist win ~65%,
  the rest ~30%. ~30% come from converted leads. Won deals get 3-6 activities before the win.
* Customers (§3): account spend is log-normal (a minority produce most revenue); accounts start in
  every month, ~15% churn, ~5% never order; every account is created before its first order.
* Orders: Q4 and March peaks, a Chinese New Year dip, ~18% growth year over year; ~3% cancelled,
  ~2% returned (with a negative-quantity line); ~15% in USD/EUR/HKD; payments in 1-3 instalments,
  some late (>15 days after due), some partial or never paid, cancelled orders unpaid.
* Channels (§4): each partner has an account (its sell-in orders carry ``partner_id``); month-end
  inventory = previous + sell-in - sell-out, never negative; a few partners stuff inventory at quarter
  end; a few sell outside their authorized provinces (窜货) or far below list price (砸价).
* Quotas (§5): revenue/collections per rep, team and company, monthly, plus quarter/year rows for
  company and teams; rep quotas sum to their team's, leaf teams to their region team, region teams to
  the company - except the two documented ``QUOTA_MISMATCHES``. Partner quarterly revenue quotas and
  team-level monthly new_customers / won_deals quotas.

Regions: teams and reps carry a sales region (``East``/``North``); accounts, partners and sell-out
carry a province (``Jiangsu`` ...), partners' ``authorized_regions`` is a ``;`` list of provinces.

Bad rows (``BAD_ROW_KINDS``): about ``BAD_ROW_RATE`` (0.3%) extra rows are inserted into accounts,
opportunities, orders, order_lines, payments, activities and partner_sell_out, plus at least one of
every kind that applies to the file in its first chunk (so each kind exists at any scale):

* ``duplicate_row``: an exact copy of a good row, placed after the original (the later copy is the bad
  one); ``column`` = the primary-key columns joined with ``+`` (empty for partner_sell_out, no key).
* ``missing_required``: a required non-key column left empty.
* ``orphan_foreign_key``: a required, rejecting reference (orders.account_id / channel_id,
  order_lines.order_id / product_id, payments.order_id, opportunities.rep_id, activities.rep_id,
  partner_sell_out.partner_id / product_id) set to an id that exists nowhere.
* ``invalid_date``: a required date/timestamp such as ``2025-13-45`` or ``31/02/2025``.
* ``negative_price``: order_lines / partner_sell_out ``unit_price`` < 0.

Bad rows are *extra* rows, never edits of good ones: a bad row that carries a key (order, account,
opportunity, payment, activity) gets a fresh id that no other row references, and a bad order line
hangs off a good order with an unused line number. So no good row ever needs a bad row, and every total
computed from good rows (order amounts, payments, sell-in, inventory) is exact.

Determinism and streaming: every random draw comes from ``numpy.random.default_rng`` seeded with
``(seed, crc32(table), chunk index...)``, never the clock or ``hash()``. Orders, order lines and
payments are generated per month (split into chunks of ``ORDERS_PER_CHUNK`` orders), activities per
month and sell-out per month (written in chunks of ``SELL_OUT_ROWS_PER_CHUNK``), each chunk written to
the open CSV and dropped, so 10M order lines stay far below 2 GB. ``order_lines=N`` sets the order
volume (and with it payments and sell-out); all other tables follow ``scale``. Dimension-like tables
(teams, reps, products, partners) grow with ``sqrt(scale)``; channels are a fixed catalog of 8.
"""

from __future__ import annotations

import json
import math
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

import numpy as np
import polars as pl

from ingestion.contract import CONTRACT, CONTRACT_BY_NAME, ColumnType, ContractFile

# ---------------------------------------------------------------------------------------------- constants

WINDOW_START = date(2024, 1, 1)
WINDOW_END = date(2025, 12, 31)
BASE_CURRENCY = "CNY"
CURRENCIES = ("CNY", "USD", "EUR", "HKD")

BAD_ROW_KINDS = ("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date", "negative_price")
BAD_ROW_RATE = 0.003
BAD_ROWS_FILE = "_bad_rows.csv"
GENERATION_FILE = "_generation.json"

# Planned dates that legitimately lie after the window end (see module docstring).
FORWARD_LOOKING_COLUMNS: dict[str, tuple[str, ...]] = {
    "orders": ("due_date",),
    "opportunities": ("expected_close_date",),
    "partners": ("contract_end",),
}

ORDERS_PER_CHUNK = 20_000
SELL_OUT_ROWS_PER_CHUNK = 100_000

STAGES = ("1_qualified", "2_discovery", "3_proposal", "4_negotiation", "5_won", "6_collected")
LOST = "lost"

# Base sizes at scale 1.0.
_BASE_ACCOUNTS = 2_000
_BASE_LEADS = 6_000
_BASE_OPPORTUNITIES = 2_500
_BASE_ORDERS = 15_000
_BASE_ACTIVITIES = 25_000
_BASE_PRODUCTS = 60
_BASE_PARTNERS = 40
_BASE_LEAF_TEAMS = 4
_BASE_REPS_PER_TEAM = 7

_EPOCH = date(1970, 1, 1)
_DAY_S = 86_400


def _day(d: date) -> int:
    return (d - _EPOCH).days


START_DAY = _day(WINDOW_START)
END_DAY = _day(WINDOW_END)
END_TS = (END_DAY + 1) * _DAY_S - 1
N_DAYS = END_DAY - START_DAY + 1
N_MONTHS = 24
MONTH_START = np.array(
    [_day(date(2024 + m // 12, m % 12 + 1, 1)) for m in range(N_MONTHS)] + [_day(date(2026, 1, 1))],
    dtype=np.int64,
)
MONTH_END = MONTH_START[1:] - 1

# Seasonality (domain: year-end push, March after the holiday, Chinese New Year dip) and YoY growth.
_SEASON = np.array([0.85, 0.62, 1.22, 0.95, 1.00, 1.08, 0.90, 0.88, 1.05, 0.98, 1.18, 1.38])
_YOY_GROWTH = 1.18
MONTH_WEIGHT = np.array([_SEASON[m % 12] * _YOY_GROWTH ** (m / 12) for m in range(N_MONTHS)])

_HOLIDAYS = (
    (date(2024, 2, 10), date(2024, 2, 17), 0.08),  # Chinese New Year 2024
    (date(2025, 1, 28), date(2025, 2, 4), 0.08),  # Chinese New Year 2025
    (date(2024, 10, 1), date(2024, 10, 7), 0.3),  # National Day
    (date(2025, 10, 1), date(2025, 10, 8), 0.3),
)


def _day_weights() -> np.ndarray:
    days = np.arange(START_DAY, END_DAY + 1)
    weekday = (days + 3) % 7  # 1970-01-01 was a Thursday -> 0 = Monday
    w = np.where(weekday == 5, 0.35, np.where(weekday == 6, 0.25, 1.0))
    for lo, hi, factor in _HOLIDAYS:
        w[(days >= _day(lo)) & (days <= _day(hi))] *= factor
    return w


DAY_WEIGHT = _day_weights()

# Deliberate breaks of the quota decomposition; the tests skip exactly these (read from _generation.json).
QUOTA_MISMATCHES: tuple[dict[str, str], ...] = (
    {
        "period_start": "2025-06-01",
        "period_grain": "month",
        "level": "team",
        "owner_id": "T003",
        "metric": "revenue",
        "reason": "manager stretch: team quota is 5% above the sum of its reps' quotas",
    },
    {
        "period_start": "2024-11-01",
        "period_grain": "month",
        "level": "company",
        "owner_id": "",
        "metric": "revenue",
        "reason": "top-down stretch: company quota is 3% above the sum of the region teams' quotas",
    },
)

# ---------------------------------------------------------------------------------------------- reference data

REGIONS = ("East", "North")
# (province, region, weight)
PROVINCES = (
    ("Shanghai", "East", 1.6),
    ("Jiangsu", "East", 1.8),
    ("Zhejiang", "East", 1.6),
    ("Anhui", "East", 0.7),
    ("Fujian", "East", 0.8),
    ("Shandong", "East", 1.2),
    ("Beijing", "North", 1.5),
    ("Tianjin", "North", 0.7),
    ("Hebei", "North", 0.8),
    ("Shanxi", "North", 0.5),
    ("Liaoning", "North", 0.8),
    ("Inner Mongolia", "North", 0.4),
)
_PROVINCE_NAMES = tuple(p[0] for p in PROVINCES)
# (province, city, chinese name, tier)
CITIES = (
    ("Shanghai", "Shanghai", "上海", 1),
    ("Jiangsu", "Nanjing", "南京", 2),
    ("Jiangsu", "Suzhou", "苏州", 2),
    ("Jiangsu", "Wuxi", "无锡", 3),
    ("Jiangsu", "Xuzhou", "徐州", 3),
    ("Jiangsu", "Yancheng", "盐城", 4),
    ("Jiangsu", "Dongtai", "东台", 5),
    ("Zhejiang", "Hangzhou", "杭州", 2),
    ("Zhejiang", "Ningbo", "宁波", 2),
    ("Zhejiang", "Wenzhou", "温州", 3),
    ("Zhejiang", "Jinhua", "金华", 3),
    ("Zhejiang", "Lishui", "丽水", 4),
    ("Zhejiang", "Anji", "安吉", 5),
    ("Anhui", "Hefei", "合肥", 2),
    ("Anhui", "Wuhu", "芜湖", 3),
    ("Anhui", "Bengbu", "蚌埠", 4),
    ("Anhui", "Tongcheng", "桐城", 5),
    ("Fujian", "Fuzhou", "福州", 2),
    ("Fujian", "Xiamen", "厦门", 2),
    ("Fujian", "Quanzhou", "泉州", 3),
    ("Fujian", "Putian", "莆田", 4),
    ("Shandong", "Jinan", "济南", 2),
    ("Shandong", "Qingdao", "青岛", 2),
    ("Shandong", "Yantai", "烟台", 3),
    ("Shandong", "Weifang", "潍坊", 3),
    ("Shandong", "Heze", "菏泽", 4),
    ("Shandong", "Shouguang", "寿光", 5),
    ("Beijing", "Beijing", "北京", 1),
    ("Tianjin", "Tianjin", "天津", 2),
    ("Hebei", "Shijiazhuang", "石家庄", 3),
    ("Hebei", "Tangshan", "唐山", 3),
    ("Hebei", "Baoding", "保定", 3),
    ("Hebei", "Xingtai", "邢台", 4),
    ("Hebei", "Zhuozhou", "涿州", 5),
    ("Shanxi", "Taiyuan", "太原", 3),
    ("Shanxi", "Datong", "大同", 4),
    ("Shanxi", "Xiaoyi", "孝义", 5),
    ("Liaoning", "Shenyang", "沈阳", 2),
    ("Liaoning", "Dalian", "大连", 2),
    ("Liaoning", "Anshan", "鞍山", 4),
    ("Liaoning", "Wafangdian", "瓦房店", 5),
    ("Inner Mongolia", "Hohhot", "呼和浩特", 3),
    ("Inner Mongolia", "Baotou", "包头", 3),
    ("Inner Mongolia", "Ordos", "鄂尔多斯", 4),
    ("Inner Mongolia", "Manzhouli", "满洲里", 5),
)
# (region, city, chinese name, city tier or 0 = n/a, currency)
FOREIGN_CITIES = (
    ("Hong Kong", "Hong Kong", "香港", 1, "HKD"),
    ("Overseas", "Singapore", "新加坡", 0, "USD"),
    ("Overseas", "Los Angeles", "洛杉矶", 0, "USD"),
    ("Overseas", "Frankfurt", "法兰克福", 0, "EUR"),
    ("Overseas", "Milan", "米兰", 0, "EUR"),
)
INDUSTRIES = (
    "manufacturing",
    "retail",
    "healthcare",
    "education",
    "energy",
    "logistics",
    "construction",
    "food_beverage",
    "automotive",
    "electronics",
    "government",
    "finance",
)
_INDUSTRY_CN = ("制造", "商贸", "医疗", "教育", "能源", "物流", "建设", "食品", "汽车", "电子", "公共服务", "金融")

# (channel_id, name, type, subtype)
CHANNELS = (
    ("CH01", "直销-大客户部", "direct", "key_account_team"),
    ("CH02", "官网商城", "direct", "official_site"),
    ("CH03", "经销商网络", "distribution", "distributor"),
    ("CH04", "区域代理", "agency", "regional_agent"),
    ("CH05", "天猫旗舰店", "ecommerce", "marketplace"),
    ("CH06", "京东自营", "ecommerce", "marketplace"),
    ("CH07", "抖音直播", "ecommerce", "content_commerce"),
    ("CH08", "跨境出口", "cross_border", "export_agent"),
)
_CH_KEY, _CH_SITE, _CH_DIST, _CH_AGENT, _CH_TMALL, _CH_JD, _CH_DOUYIN, _CH_XB = range(8)
_CHANNEL_TYPE = np.array([c[2] for c in CHANNELS])

# (code, chinese name, category, price low, price high)
PRODUCT_LINES = (
    ("sensors", "智能传感器", "hardware", 300, 3_000),
    ("controllers", "工业控制器", "hardware", 3_000, 30_000),
    ("software", "软件许可", "software", 8_000, 60_000),
    ("consumables", "耗材配件", "consumable", 30, 300),
    ("services", "技术服务", "service", 2_000, 20_000),
    ("smart_devices", "智能终端", "hardware", 800, 8_000),
)

PARTNER_TIERS = ("strategic", "preferred", "standard", "basic")
_TIER_DISCOUNT = ((0.20, 0.30), (0.15, 0.25), (0.10, 0.20), (0.05, 0.15))

LOST_REASONS = ("price", "competitor", "no_budget", "timing", "no_decision", "requirements_mismatch")
PAYMENT_METHODS = ("bank_transfer", "acceptance_bill", "alipay", "wechat_pay", "letter_of_credit", "cash")
ACTIVITY_TYPES = ("call", "visit", "email", "meeting", "proposal", "quote", "survey", "care")
_ACTIVITY_OUTCOMES = (
    ("connected", "no_answer", "follow_up"),
    ("positive", "neutral", "negative"),
    ("sent", "replied", "no_reply"),
    ("positive", "neutral", "follow_up"),
    ("submitted", "revised", "submitted"),
    ("sent", "accepted", "rejected"),
    ("completed", "no_response", "completed"),
    ("completed", "completed", "follow_up"),
)
LEAD_SOURCES = ("content", "social", "search", "event", "referral", "outbound", "partner")
_LEAD_SOURCE_WEIGHT = np.array([0.15, 0.12, 0.20, 0.13, 0.12, 0.18, 0.10])
_CAMPAIGN_THEMES = ("新品发布", "行业峰会", "白皮书", "直播课", "展会")

_SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
)
_GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚华飞鹏辉玲丹萍鑫宇浩凯健俊帆旭宁琳晨欣怡婷博文")
_BRAND = list(dict.fromkeys("恒达华盛鑫源博远宏泰新锐中科永康瑞丰天成金海纳信诚长江东方"))
_COMPANY_SUFFIX = ("有限公司", "股份有限公司", "科技有限公司", "实业有限公司", "集团有限公司")

# ---------------------------------------------------------------------------------------------- helpers


def _rng(seed: int, table: str, *parts: int) -> np.random.Generator:
    # crc32, not hash(): string hashing is salted per process and would break byte-identical output.
    return np.random.default_rng([seed, zlib.crc32(table.encode()), *parts])


def _split_total(total: int, weights: np.ndarray) -> np.ndarray:
    """Integer counts proportional to weights that sum exactly to total (largest remainder)."""
    raw = total * weights / weights.sum()
    counts = np.floor(raw).astype(np.int64)
    rest = int(total - counts.sum())
    if rest > 0:
        counts[np.argsort(-(raw - counts), kind="stable")[:rest]] += 1
    return counts


def _month_of_day(days: np.ndarray) -> np.ndarray:
    return np.searchsorted(MONTH_START, days, side="right") - 1


def _ids(prefix: str, nums: np.ndarray, width: int) -> pl.Series:
    s = pl.Series(np.asarray(nums, dtype=np.int64)).cast(pl.String).str.zfill(width)
    return pl.select(pl.concat_str([pl.lit(prefix), s])).to_series()


def _opt_ids(prefix: str, nums: np.ndarray, width: int) -> pl.Series:
    """Ids where nums >= 0, null where nums < 0."""
    nums = np.asarray(nums, dtype=np.int64)
    s = _ids(prefix, np.maximum(nums, 0), width)
    return pl.select(pl.when(pl.Series(nums >= 0)).then(s)).to_series()


def _dates(days: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    days = np.asarray(days, dtype=np.int64)
    if valid is None:
        return pl.Series(days).cast(pl.Date)
    return pl.Series(np.where(valid, days, np.nan), nan_to_null=True).cast(pl.Int64).cast(pl.Date)


def _timestamps(secs: np.ndarray, valid: np.ndarray | None = None) -> pl.Series:
    secs = np.asarray(secs, dtype=np.int64)
    if valid is None:
        return pl.from_epoch(pl.Series(secs), time_unit="s")
    s = pl.Series(np.where(valid, secs, np.nan), nan_to_null=True).cast(pl.Int64)
    return pl.from_epoch(s, time_unit="s")


def _take(values: Sequence[str] | np.ndarray, idx: np.ndarray) -> pl.Series:
    return pl.Series(list(values), dtype=pl.String).gather(np.asarray(idx, dtype=np.int64))


def _strs(values: np.ndarray) -> pl.Series:
    """Object array of str/None -> String series (polars cannot infer a type from a leading None)."""
    return pl.Series(values.tolist(), dtype=pl.String)


def _work_time(rng: np.random.Generator, n: int) -> np.ndarray:
    """Seconds into a business day (09:00-18:00)."""
    return rng.integers(9 * 3600, 18 * 3600, size=n)


def _person_names(rng: np.random.Generator, n: int) -> np.ndarray:
    sur = np.array(_SURNAMES, dtype=object)[rng.integers(0, len(_SURNAMES), n)]
    g1 = np.array(_GIVEN, dtype=object)[rng.integers(0, len(_GIVEN), n)]
    g2 = np.array(_GIVEN + [""] * 12, dtype=object)[rng.integers(0, len(_GIVEN) + 12, n)]
    return sur + g1 + g2


def _sample_days(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    """Uniform integer day in [lo, hi] (vectorised bounds)."""
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (n,))
    return lo + np.floor(rng.random(n) * (hi - lo + 1)).astype(np.int64)


# ---------------------------------------------------------------------------------------------- sizes


@dataclass(frozen=True)
class _Sizes:
    leaf_teams: int
    reps_per_team: int
    products: int
    partners: int
    accounts: int
    leads: int
    opportunities: int
    orders: int | None  # None: derive from order_lines after the opportunities exist
    order_lines: int | None
    activities: int


def _sizes(scale: float, order_lines: int | None) -> _Sizes:
    root = math.sqrt(scale)
    leaf = max(2, 2 * round(_BASE_LEAF_TEAMS * root / 2))  # even: the two regions get the same count
    return _Sizes(
        leaf_teams=leaf,
        reps_per_team=max(3, round(_BASE_REPS_PER_TEAM * root)),
        products=max(12, round(_BASE_PRODUCTS * root)),
        partners=max(10, round(_BASE_PARTNERS * root)),
        accounts=max(150, round(_BASE_ACCOUNTS * scale)),
        leads=max(200, round(_BASE_LEADS * scale)),
        opportunities=max(100, round(_BASE_OPPORTUNITIES * scale)),
        orders=None if order_lines is not None else max(300, round(_BASE_ORDERS * scale)),
        order_lines=order_lines,
        activities=max(500, round(_BASE_ACTIVITIES * scale)),
    )


# ---------------------------------------------------------------------------------------------- csv + bad rows


def _to_text(df: pl.DataFrame, cf: ContractFile) -> pl.DataFrame:
    """All contract columns, in contract order, as the strings that go into the CSV."""
    exprs = []
    for col in cf.columns:
        if col.name not in df.columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(col.name))
            continue
        c = pl.col(col.name)
        if col.type == ColumnType.TIMESTAMP:
            e = c.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif col.type == ColumnType.DECIMAL:
            digits = 6 if cf.name == "fx_rates" else 2
            e = c.cast(pl.Decimal(20, digits)).cast(pl.String)
        else:  # strings, ints, ISO dates and booleans (true/false) cast as polars prints them
            e = c.cast(pl.String)
        exprs.append(e.alias(col.name))
    return df.select(exprs)


@dataclass(frozen=True)
class _BadRowSpec:
    kinds: tuple[str, ...]
    id_column: str | None = None  # single-column key refreshed on every non-duplicate bad row
    id_prefix: str = ""
    id_width: int = 0
    missing_columns: tuple[str, ...] = ()
    orphans: tuple[tuple[str, str, int], ...] = ()  # (column, id prefix, id width)
    date_column: str | None = None
    date_is_timestamp: bool = False
    price_column: str | None = None
    line_number_column: str | None = None  # order_lines: unused line numbers instead of a fresh key


_INVALID_DATES = ("2025-13-45", "31/02/2025", "2024-02-30", "2025/06/31", "20251301")
_INVALID_TIMESTAMPS = (
    "2025-13-45 10:00:00",
    "31/02/2025 09:15",
    "2024-02-30 14:00:00",
    "2025-06-31 08:00:00",
    "not a date",
)
_MAX_BAD_PER_CHUNK = 400  # keeps fresh/orphan id ranges (500 per chunk) disjoint


def _fresh_number(width: int, chunk: int, k: int) -> int:
    # Good ids are < 9 * 10**(width-1) and zero padded, so anything from 9... up cannot collide.
    return 9 * 10 ** (width - 1) + chunk * 1000 + k


def _orphan_number(width: int, chunk: int, k: int) -> int:
    return 9 * 10 ** (width - 1) + chunk * 1000 + 500 + k


class _CsvSink:
    """One contract file opened for appending chunks, tracking row numbers and the bad-row answer key."""

    def __init__(self, landing_dir: Path, cf: ContractFile, bad_spec: _BadRowSpec | None = None) -> None:
        self.cf = cf
        self.path = landing_dir / cf.relative_path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: BinaryIO = open(self.path, "wb")  # noqa: SIM115 - closed in close()
        self.rows = 0
        self.chunks = 0
        self.bad_spec = bad_spec
        self.bad_rows: list[tuple[int, str, str]] = []
        self._header_written = False
        self._guarantee_pending = bad_spec is not None

    def write(self, df: pl.DataFrame, rng: np.random.Generator | None = None) -> None:
        text = _to_text(df, self.cf)
        chunk = self.chunks
        self.chunks += 1
        if self.bad_spec is not None and rng is not None and text.height > 0:
            text, bad = self._inject(text, rng, chunk)
            self.bad_rows.extend((self.rows + pos + 1, col, kind) for pos, col, kind in bad)
        if text.height == 0 and self._header_written:
            return
        text.write_csv(self._fh, include_header=not self._header_written)
        self._header_written = True
        self.rows += text.height

    def close(self) -> None:
        if not self._header_written:
            _to_text(pl.DataFrame(), self.cf).clear().write_csv(self._fh, include_header=True)
        self._fh.close()

    def _inject(
        self, text: pl.DataFrame, rng: np.random.Generator, chunk: int
    ) -> tuple[pl.DataFrame, list[tuple[int, str, str]]]:
        spec = self.bad_spec
        assert spec is not None
        n = text.height
        kinds: list[str] = []
        if self._guarantee_pending and n >= 2:
            kinds.extend(spec.kinds)
            self._guarantee_pending = False
        extra = min(_MAX_BAD_PER_CHUNK - len(kinds), int(rng.binomial(n, BAD_ROW_RATE)))
        kinds.extend(str(k) for k in rng.choice(spec.kinds, size=extra))
        if not kinds:
            return text, []
        templates = rng.choice(n, size=len(kinds), replace=len(kinds) > n)
        bad = text[templates]
        # Patch whole columns at once: per-row frame edits cost ~0.1 ms each, too slow at 10M rows.
        patched: dict[str, list[str | None]] = {}

        def patch(col: str, k: int, value: str | None) -> None:
            if col not in patched:
                patched[col] = bad[col].to_list()
            patched[col][k] = value

        keys: list[int] = []
        columns: list[str] = []
        pk = "+".join(self.cf.primary_key)
        for k, (kind, t) in enumerate(zip(kinds, templates, strict=True)):
            column = pk if kind == "duplicate_row" else ""
            if kind != "duplicate_row":
                if spec.id_column is not None:
                    fresh = str(_fresh_number(spec.id_width, chunk, k)).zfill(spec.id_width)
                    patch(spec.id_column, k, spec.id_prefix + fresh)
                if spec.line_number_column is not None:
                    patch(spec.line_number_column, k, str(100 + k))
            if kind == "missing_required":
                column = str(rng.choice(spec.missing_columns))
                patch(column, k, None)
            elif kind == "orphan_foreign_key":
                column, prefix, width = spec.orphans[int(rng.integers(len(spec.orphans)))]
                patch(column, k, prefix + str(_orphan_number(width, chunk, k)).zfill(width))
            elif kind == "invalid_date":
                assert spec.date_column is not None
                column = spec.date_column
                pool = _INVALID_TIMESTAMPS if spec.date_is_timestamp else _INVALID_DATES
                patch(column, k, pool[int(rng.integers(len(pool)))])
            elif kind == "negative_price":
                assert spec.price_column is not None
                column = spec.price_column
                price = bad[column][k]
                patch(column, k, "-" + (price if price and price != "0.00" else "12.50"))
            # Duplicates go after their original; other bad rows anywhere.
            lo = int(t) if kind == "duplicate_row" else 0
            keys.append(2 * int(rng.integers(lo, n)) + 1)
            columns.append(column)
        bad = bad.with_columns([pl.Series(c, v, dtype=pl.String) for c, v in patched.items()])
        good = text.with_columns(pl.Series("__key", np.arange(n, dtype=np.int64) * 2), pl.lit(-1).alias("__bad"))
        bad = bad.with_columns(
            pl.Series("__key", np.array(keys, dtype=np.int64)),
            pl.Series("__bad", np.arange(len(kinds), dtype=np.int32)).cast(pl.Int32),
        )
        merged = pl.concat([good.with_columns(pl.col("__bad").cast(pl.Int32)), bad]).sort("__key", maintain_order=True)
        positions = merged["__bad"].to_numpy()
        bad_pos = np.flatnonzero(positions >= 0)
        meta = [(int(p), columns[positions[p]], kinds[positions[p]]) for p in bad_pos]
        return merged.drop("__key", "__bad"), meta


_BAD_SPECS: dict[str, _BadRowSpec] = {
    "accounts": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "invalid_date"),
        id_column="account_id",
        id_prefix="ACC",
        id_width=7,
        missing_columns=("account_name", "created_at"),
        date_column="created_at",
        date_is_timestamp=True,
    ),
    "opportunities": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="opportunity_id",
        id_prefix="OPP",
        id_width=7,
        missing_columns=("stage", "status", "created_at", "rep_id"),
        orphans=(("rep_id", "REP", 4),),
        date_column="created_at",
        date_is_timestamp=True,
    ),
    "orders": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="order_id",
        id_prefix="ORD",
        id_width=8,
        missing_columns=("account_id", "channel_id", "order_date", "status", "currency"),
        orphans=(("account_id", "ACC", 7), ("channel_id", "CH", 2)),
        date_column="order_date",
    ),
    "order_lines": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "negative_price"),
        line_number_column="line_number",
        missing_columns=("product_id", "quantity", "unit_price"),
        orphans=(("order_id", "ORD", 8), ("product_id", "PRD", 5)),
        price_column="unit_price",
    ),
    "payments": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="payment_id",
        id_prefix="PAY",
        id_width=9,
        missing_columns=("order_id", "paid_at", "amount", "currency"),
        orphans=(("order_id", "ORD", 8),),
        date_column="paid_at",
        date_is_timestamp=True,
    ),
    "activities": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date"),
        id_column="activity_id",
        id_prefix="ACT",
        id_width=8,
        missing_columns=("rep_id", "activity_type", "occurred_at"),
        orphans=(("rep_id", "REP", 4),),
        date_column="occurred_at",
        date_is_timestamp=True,
    ),
    "partner_sell_out": _BadRowSpec(
        kinds=("duplicate_row", "missing_required", "orphan_foreign_key", "invalid_date", "negative_price"),
        missing_columns=("partner_id", "product_id", "sold_on", "quantity", "unit_price"),
        orphans=(("partner_id", "PTR", 4), ("product_id", "PRD", 5)),
        date_column="sold_on",
        price_column="unit_price",
    ),
}

# ---------------------------------------------------------------------------------------------- the world


@dataclass
class _World:
    """Arrays shared between tables (indices, not ids), built dimension by dimension."""

    seed: int
    sizes: _Sizes
    # org
    team_region: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_parent: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    leaf_teams: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_manager: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_role: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 rep 1 manager 2 dir
    rep_manager: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_hire: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    rep_term: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    team_members: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # padded
    team_size: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # products
    prod_list_price: np.ndarray = field(default_factory=lambda: np.zeros(0))
    prod_launch: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    prod_pop: np.ndarray = field(default_factory=lambda: np.zeros(0))
    # fx: rate[currency, day - START_DAY] in CNY per unit
    fx: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    # partners
    ptr_channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_tier: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_province: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_auth: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), bool))  # [partner, province]
    ptr_start_month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_carry: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # padded -1
    ptr_carry_n: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    ptr_slot: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))  # [partner, product]
    ptr_stuffer: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ptr_dumper: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    ptr_cross_seller: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    # accounts
    acc_name: np.ndarray = field(default_factory=lambda: np.zeros(0, object))
    acc_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))
    acc_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # 0 ent 1 smb 2 consumer
    acc_partner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_channel: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_currency: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_team: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_hist_owner: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_credit: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_strategic: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    acc_start: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_end: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    acc_created: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # opportunity-linked orders, by order month
    opp_orders: dict[int, dict[str, np.ndarray]] = field(default_factory=dict)
    opp_won_team_month: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), np.int64))
    # opportunity-linked activities (computed with the funnel)
    opp_act_ts: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_opp: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_rep: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_acc: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    opp_act_type: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    # accumulated while streaming orders
    rev_rep_month: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    coll_rep_month: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    rev_partner_quarter: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    sell_in: np.ndarray = field(default_factory=lambda: np.zeros((0, 0, 0), np.int64))
    first_order_month: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def n_reps(self) -> int:
        return len(self.rep_team)

    @property
    def n_accounts(self) -> int:
        return len(self.acc_weight)

    @property
    def n_partners(self) -> int:
        return len(self.ptr_tier)

    @property
    def n_products(self) -> int:
        return len(self.prod_list_price)

    def employed(self, rep: np.ndarray, day: np.ndarray) -> np.ndarray:
        return (self.rep_hire[rep] <= day) & (day <= self.rep_term[rep])

    def effective_rep(self, acc: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Who sold to an account on a day: the historic owner while employed, then the current owner,
        else the team manager (new hires before their start date, leavers after they left)."""
        hist = self.acc_hist_owner[acc]
        owner = self.acc_owner[acc]
        manager = self.team_manager[self.acc_team[acc]]
        return np.where(self.employed(hist, day), hist, np.where(self.employed(owner, day), owner, manager))

    def rate(self, currency: np.ndarray, day: np.ndarray) -> np.ndarray:
        return self.fx[currency, np.clip(day - START_DAY, 0, N_DAYS - 1)]


# ---------------------------------------------------------------------------------------------- dimensions


def _build_org(w: _World) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = _rng(w.seed, "org")
    n_leaf = w.sizes.leaf_teams
    n_teams = 2 + n_leaf
    team_region = np.concatenate([[0, 1], np.arange(n_leaf) % 2])
    team_parent = np.concatenate([[-1, -1], np.arange(n_leaf) % 2])
    region_cn = ("华东", "华北")
    ordinal = "一二三四五六七八九十"
    names = [f"{region_cn[0]}大区", f"{region_cn[1]}大区"]
    for i in range(n_leaf):
        k = i // 2
        names.append(f"{region_cn[i % 2]}{ordinal[k] if k < 10 else k + 1}部")
    teams = pl.DataFrame(
        {
            "team_id": _ids("T", np.arange(1, n_teams + 1), 3),
            "team_name": names,
            "parent_team_id": _opt_ids("T", np.where(team_parent >= 0, team_parent + 1, -1), 3),
            "region": _take(REGIONS, team_region),
        }
    )

    # Directors head the region teams, one manager per leaf team, then the reps.
    rep_team: list[int] = [0, 1]
    rep_role: list[int] = [2, 2]
    rep_manager: list[int] = [-1, -1]
    team_manager = np.full(n_teams, -1, dtype=np.int64)
    team_manager[0], team_manager[1] = 0, 1
    for t in range(2, n_teams):
        team_manager[t] = len(rep_team)
        rep_team.append(t)
        rep_role.append(1)
        rep_manager.append(int(team_region[t]))
        for _ in range(w.sizes.reps_per_team):
            rep_team.append(t)
            rep_role.append(0)
            rep_manager.append(int(team_manager[t]))
    n = len(rep_team)
    role = np.array(rep_role)
    hire = np.where(
        role == 0,
        _sample_days(rng, _day(date(2017, 3, 1)), _day(date(2023, 10, 31)), n),
        _sample_days(rng, _day(date(2014, 1, 1)), _day(date(2020, 12, 31)), n),
    )
    term = np.full(n, 10**7, dtype=np.int64)
    plain = np.flatnonzero(role == 0)
    order = rng.permutation(plain)
    n_term = max(1, round(0.10 * len(plain)))
    n_new = max(1, round(0.12 * len(plain)))
    leavers, newcomers = order[:n_term], order[n_term : n_term + n_new]
    term[leavers] = _sample_days(rng, START_DAY + 60, END_DAY - 30, len(leavers))
    hire[newcomers] = _sample_days(rng, START_DAY, END_DAY - 150, len(newcomers))

    w.team_region, w.team_parent, w.team_manager = team_region, team_parent, team_manager
    w.leaf_teams = np.arange(2, n_teams)
    w.rep_team, w.rep_role = np.array(rep_team), role
    w.rep_manager, w.rep_hire, w.rep_term = np.array(rep_manager), hire, term
    w.team_size = np.bincount(w.rep_team, minlength=n_teams)
    w.team_members = np.zeros((n_teams, int(w.team_size.max())), dtype=np.int64)
    for t in range(n_teams):
        w.team_members[t, : w.team_size[t]] = np.flatnonzero(w.rep_team == t)

    rep_ids = _ids("REP", np.arange(1, n + 1), 4)
    reps = pl.DataFrame(
        {
            "rep_id": rep_ids,
            "rep_name": _person_names(rng, n).tolist(),
            "email": (rep_ids.str.to_lowercase() + "@salesops.example.cn"),
            "team_id": _ids("T", np.array(rep_team) + 1, 3),
            "manager_rep_id": _opt_ids("REP", np.where(w.rep_manager >= 0, w.rep_manager + 1, -1), 4),
            "role": _take(("rep", "manager", "director"), role),
            "region": _take(REGIONS, team_region[np.array(rep_team)]),
            "hire_date": _dates(hire),
            "termination_date": _dates(term, term < 10**7),
        }
    )
    return teams, reps


def _build_channels() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "channel_id": [c[0] for c in CHANNELS],
            "channel_name": [c[1] for c in CHANNELS],
            "channel_type": [c[2] for c in CHANNELS],
            "channel_subtype": [c[3] for c in CHANNELS],
        }
    )


def _build_products(w: _World) -> pl.DataFrame:
    rng = _rng(w.seed, "products")
    n = w.sizes.products
    line = np.arange(n) % len(PRODUCT_LINES)
    lo = np.array([p[3] for p in PRODUCT_LINES], dtype=float)[line]
    hi = np.array([p[4] for p in PRODUCT_LINES], dtype=float)[line]
    price = np.exp(rng.uniform(np.log(lo), np.log(hi)))
    price = np.where(price >= 1000, np.round(price, -1), np.round(price)) - np.where(price >= 100, 1, 0.1)
    cost = np.round(price * rng.uniform(0.45, 0.75, n), 2)
    new = rng.random(n) < 0.2
    new[: len(PRODUCT_LINES)] = False  # every line has an established product partners can stock
    launch = np.where(
        new,
        _sample_days(rng, START_DAY, _day(date(2025, 9, 30)), n),
        _sample_days(rng, _day(date(2017, 1, 1)), _day(date(2023, 10, 31)), n),
    )
    w.prod_list_price, w.prod_launch = price, launch
    w.prod_pop = rng.lognormal(0, 0.8, n) * np.where(new, 1.4, 1.0)
    model = np.array([p[0][:2].upper() for p in PRODUCT_LINES], dtype=object)[line]
    series = 100 + (np.arange(n) // len(PRODUCT_LINES)) * 10 + rng.integers(0, 10, n)
    names = np.array([p[1] for p in PRODUCT_LINES], dtype=object)[line] + " " + model + "-" + series.astype(str)
    return pl.DataFrame(
        {
            "product_id": _ids("PRD", np.arange(1, n + 1), 5),
            "product_name": names.tolist(),
            "product_line": _take([p[0] for p in PRODUCT_LINES], line),
            "category": _take([p[2] for p in PRODUCT_LINES], line),
            "list_price": price,
            "unit_cost": cost,
            "currency": [BASE_CURRENCY] * n,
            "launched_at": _dates(launch),
            "is_new_product": pl.Series(new),
        }
    )


def _build_fx(w: _World) -> pl.DataFrame:
    rng = _rng(w.seed, "fx_rates")
    days = np.arange(START_DAY, END_DAY + 1)
    fx = np.ones((len(CURRENCIES), N_DAYS))
    for i, (base, vol) in enumerate(((7.12, 0.0022), (7.78, 0.0035)), start=1):
        level = np.log(base)
        steps = rng.normal(0, vol, N_DAYS)
        path = np.empty(N_DAYS)
        for d in range(N_DAYS):  # 731 days: mean-reverting walk, cheap
            level += steps[d] - 0.02 * (level - np.log(base))
            path[d] = level
        fx[i] = np.exp(path)
    fx[3] = fx[1] / 7.80 * (1 + rng.normal(0, 0.0008, N_DAYS))  # HKD pegged to USD
    w.fx = np.round(fx, 6)
    return pl.DataFrame(
        {
            "currency": _take(CURRENCIES, np.repeat(np.arange(len(CURRENCIES)), N_DAYS)),
            "rate_date": _dates(np.tile(days, len(CURRENCIES))),
            "rate_to_base": w.fx.reshape(-1),
        }
    )


def _build_partners(w: _World) -> pl.DataFrame:
    rng = _rng(w.seed, "partners")
    n = w.sizes.partners
    n_prov = len(PROVINCES)
    channel = np.where(rng.random(n) < 0.65, _CH_DIST, _CH_AGENT)
    tier = rng.choice(4, size=n, p=[0.1, 0.25, 0.4, 0.25])
    tier[0], tier[1] = 0, 1  # at least one strategic and one preferred partner (L1 parents)
    prov_w = np.array([p[2] for p in PROVINCES])
    province = rng.choice(n_prov, size=n, p=prov_w / prov_w.sum())
    prov_region = np.array([REGIONS.index(p[1]) for p in PROVINCES])
    region = prov_region[province]
    # Second-level distributors sit under a strategic/preferred distributor of the same region.
    channel[:2] = _CH_DIST
    parent = np.full(n, -1, dtype=np.int64)
    l1 = np.flatnonzero((channel == _CH_DIST) & (tier <= 1))
    for p in range(n):
        if channel[p] == _CH_DIST and tier[p] >= 2 and rng.random() < 0.4:
            same = l1[region[l1] == region[p]]
            pool = same if len(same) else l1
            parent[p] = pool[rng.integers(len(pool))]
    if not (parent >= 0).any():
        p = int(np.flatnonzero(tier >= 2)[0])
        channel[p], parent[p] = _CH_DIST, l1[0]
    auth = np.zeros((n, n_prov), dtype=bool)
    auth[np.arange(n), province] = True
    n_extra = rng.integers(0, 4, n)
    for p in range(n):
        same = np.flatnonzero((prov_region == region[p]) & ~auth[p])
        auth[p, rng.permutation(same)[: n_extra[p]]] = True
    start = np.where(
        rng.random(n) < 0.15,
        _sample_days(rng, START_DAY, END_DAY - 120, n),
        _sample_days(rng, _day(date(2016, 1, 1)), _day(date(2023, 6, 30)), n),
    )
    start[:2] = _day(date(2018, 1, 1))
    years = rng.integers(3, 6, n)
    end_year = np.maximum(2026, np.array([date.fromordinal(_EPOCH.toordinal() + int(d)).year for d in start]) + years)
    end = np.array([_day(date(int(y), 12, 31)) for y in end_year])
    carry_n = np.minimum(w.n_products, np.array([20, 15, 10, 6])[tier] + rng.integers(-2, 5, n)).astype(np.int64)
    established = np.flatnonzero(w.prod_launch < START_DAY)
    carry = np.full((n, int(carry_n.max())), -1, dtype=np.int64)
    for p in range(n):
        first = established[rng.integers(len(established))]
        rest = rng.permutation(np.setdiff1d(np.arange(w.n_products), [first]))[: carry_n[p] - 1]
        carry[p, : carry_n[p]] = np.concatenate([[first], rest])
    staff = rng.integers(5, 80, n)
    trained = np.floor(staff * rng.uniform(0.3, 1.0, n)).astype(np.int64)
    flags = rng.permutation(n)
    k = max(1, round(0.12 * n))
    w.ptr_stuffer = np.isin(np.arange(n), flags[:k])
    w.ptr_dumper = np.isin(np.arange(n), flags[k : k + max(1, round(0.05 * n))])
    w.ptr_cross_seller = np.isin(np.arange(n), flags[k + max(1, round(0.05 * n)) : 2 * k + 1])
    w.ptr_channel, w.ptr_tier, w.ptr_province = channel, tier, province
    w.ptr_auth, w.ptr_carry, w.ptr_carry_n = auth, carry, carry_n
    w.ptr_slot = np.full((n, w.n_products), -1, dtype=np.int64)
    for p in range(n):
        w.ptr_slot[p, carry[p, : carry_n[p]]] = np.arange(carry_n[p])
    w.ptr_start_month = np.maximum(0, _month_of_day(start))
    prefix = np.array(["华东" if r == 0 else "华北" for r in region], dtype=object)
    kind = np.where(channel == _CH_DIST, "商贸有限公司", "科技代理有限公司")
    brand = np.array(_BRAND, dtype=object)
    pair = rng.permutation(len(brand) ** 2)[:n] % (len(brand) ** 2)  # distinct brand pairs: unique names
    names = prefix + brand[pair // len(brand)] + brand[pair % len(brand)] + kind
    auth_text = ["; ".join(np.array(_PROVINCE_NAMES)[auth[p]]).replace("; ", ";") for p in range(n)]
    return pl.DataFrame(
        {
            "partner_id": _ids("PTR", np.arange(1, n + 1), 4),
            "partner_name": names.tolist(),
            "channel_id": _take([c[0] for c in CHANNELS], channel),
            "tier": _take(PARTNER_TIERS, tier),
            "parent_partner_id": _opt_ids("PTR", np.where(parent >= 0, parent + 1, -1), 4),
            "region": _take(_PROVINCE_NAMES, province),
            "authorized_regions": auth_text,
            "contract_start": _dates(start),
            "contract_end": _dates(end),
            "staff_count": staff,
            "staff_trained": trained,
        }
    )


def _build_accounts(w: _World) -> pl.DataFrame:
    rng = _rng(w.seed, "accounts")
    n_ptr = w.n_partners
    n = max(w.sizes.accounts, n_ptr + 50)
    is_ptr = np.arange(n) < n_ptr
    partner = np.where(is_ptr, np.arange(n), -1)
    foreign = ~is_ptr & (rng.random(n) < 0.105)
    acc_type = rng.choice(3, size=n, p=[0.3, 0.5, 0.2])
    acc_type[is_ptr] = 0
    acc_type[foreign] = np.where(rng.random(foreign.sum()) < 0.6, 0, 1)

    # Geography: partners at home, domestic accounts by province weight, foreign by city.
    prov_w = np.array([p[2] for p in PROVINCES])
    city_prov = np.array([_PROVINCE_NAMES.index(c[0]) for c in CITIES])
    province = rng.choice(len(PROVINCES), size=n, p=prov_w / prov_w.sum())
    province[is_ptr] = w.ptr_province
    city_idx = np.empty(n, dtype=np.int64)
    u = rng.random(n)
    for p in range(len(PROVINCES)):
        cand = np.flatnonzero(city_prov == p)
        rows = province == p
        # Bigger cities are more likely (tier 1-2 cities hold most enterprise customers).
        tw = 1.0 / np.array([CITIES[c][3] for c in cand], dtype=float)
        cum = np.cumsum(tw / tw.sum())
        city_idx[rows] = cand[np.minimum(np.searchsorted(cum, u[rows]), len(cand) - 1)]
    fcity = rng.integers(0, len(FOREIGN_CITIES), n)
    region = np.where(
        foreign,
        np.array([f[0] for f in FOREIGN_CITIES], dtype=object)[fcity],
        np.array(_PROVINCE_NAMES, dtype=object)[province],
    )
    city = np.where(
        foreign,
        np.array([f[1] for f in FOREIGN_CITIES], dtype=object)[fcity],
        np.array([c[1] for c in CITIES], dtype=object)[city_idx],
    )
    city_cn = np.where(
        foreign,
        np.array([f[2] for f in FOREIGN_CITIES], dtype=object)[fcity],
        np.array([c[2] for c in CITIES], dtype=object)[city_idx],
    )
    tier = np.where(
        foreign, np.array([f[3] for f in FOREIGN_CITIES])[fcity], np.array([c[3] for c in CITIES])[city_idx]
    )
    currency = np.where(foreign, np.array([CURRENCIES.index(f[4]) for f in FOREIGN_CITIES])[fcity], 0)
    sales_region = np.array([REGIONS.index(p[1]) for p in PROVINCES])[province]
    sales_region = np.where(foreign, rng.integers(0, 2, n), sales_region)

    # Home channel: partners buy through their channel, foreigners cross-border, the rest by type.
    channel = np.where(
        acc_type == 0,
        _CH_KEY,
        np.where(
            acc_type == 1,
            rng.choice([_CH_KEY, _CH_SITE, _CH_TMALL, _CH_JD], size=n, p=[0.6, 0.2, 0.1, 0.1]),
            rng.choice([_CH_SITE, _CH_TMALL, _CH_JD, _CH_DOUYIN], size=n, p=[0.15, 0.35, 0.3, 0.2]),
        ),
    )
    channel = np.where(foreign, np.where(rng.random(n) < 0.75, _CH_XB, _CH_KEY), channel)
    channel[is_ptr] = w.ptr_channel

    # Spend intensity: log-normal gives the Pareto-like 20/80 concentration of domain §3.2.
    weight = rng.lognormal(0, 1.25, n) * np.array([3.0, 1.0, 0.25])[acc_type]
    weight[is_ptr] *= np.array([13.0, 9.0, 6.0, 4.0])[w.ptr_tier] / 3.0
    strategic = np.zeros(n, dtype=bool)
    ent = np.flatnonzero((acc_type == 0) & ~is_ptr)
    top = ent[np.argsort(-weight[ent], kind="stable")[: max(1, round(0.05 * n))]]
    strategic[top] = True
    weight[strategic] *= 1.5
    credit = rng.choice(4, size=n, p=[0.3, 0.4, 0.2, 0.1])
    credit[strategic] = np.minimum(credit[strategic], 1)

    # Team and owner: a leaf team of the account's sales region, then a rep of that team.
    leaf = w.leaf_teams
    team = np.empty(n, dtype=np.int64)
    for r in range(2):
        cand = leaf[w.team_region[leaf] == r]
        rows = sales_region == r
        team[rows] = cand[rng.integers(0, len(cand), rows.sum())]
    hist = np.empty(n, dtype=np.int64)
    owner = np.empty(n, dtype=np.int64)
    for t in leaf:
        members = np.flatnonzero((w.rep_team == t) & (w.rep_role == 0))
        stayers = members[w.rep_term[members] > END_DAY]
        rows = np.flatnonzero(team == t)
        h = members[rng.integers(0, len(members), len(rows))]
        # Key accounts stay with the manager sometimes (player-coach).
        h = np.where(rng.random(len(rows)) < 0.05, w.team_manager[t], h)
        hist[rows] = h
        leaver = w.rep_term[h] <= END_DAY
        owner[rows] = np.where(leaver, stayers[rng.integers(0, len(stayers), len(rows))], h)

    # Lifecycle: existing customers, a stream of new ones every month, churners and prospects.
    kind = rng.random(n)
    start = np.where(kind < 0.55, 0, rng.integers(1, N_MONTHS, n))
    start = np.where((kind >= 0.95) & ~is_ptr, N_MONTHS, start)  # never order (prospects)
    start[is_ptr] = w.ptr_start_month
    churn = (rng.random(n) < 0.15) & ~is_ptr & (start < N_MONTHS - 4)
    end = np.where(churn, np.minimum(start + rng.integers(3, 18, n), N_MONTHS - 1), N_MONTHS - 1)
    start_day = MONTH_START[np.minimum(start, N_MONTHS - 1)]
    created_day = np.where(
        start == 0,
        _sample_days(rng, _day(date(2018, 1, 1)), START_DAY - 10, n),
        start_day - rng.integers(1, 45, n),
    )
    created_day = np.where(start == N_MONTHS, _sample_days(rng, START_DAY, END_DAY - 20, n), created_day)
    created = created_day * _DAY_S + _work_time(rng, n)
    updated = np.minimum(END_TS, created + rng.integers(0, 400, n) * _DAY_S)

    w.acc_weight, w.acc_type, w.acc_partner, w.acc_channel = weight, acc_type, partner, channel
    w.acc_currency, w.acc_team, w.acc_owner, w.acc_hist_owner = currency, team, owner, hist
    w.acc_credit, w.acc_strategic, w.acc_start, w.acc_end = credit, strategic, start, end
    w.acc_created = created

    brand = np.array(_BRAND, dtype=object)
    ind = rng.integers(0, len(INDUSTRIES), n)
    names = (
        city_cn
        + brand[rng.integers(0, len(brand), n)]
        + brand[rng.integers(0, len(brand), n)]
        + np.array(_INDUSTRY_CN, dtype=object)[ind]
        + np.array(_COMPANY_SUFFIX, dtype=object)[rng.integers(0, len(_COMPANY_SUFFIX), n)]
    )
    # Consumer accounts are individuals or small shops: a person's name and no industry.
    person = _person_names(rng, n)
    names = np.where(acc_type == 2, city_cn + "-" + person, names)
    w.acc_name = names
    score = np.clip(np.ceil(5 * (np.argsort(np.argsort(weight)) + 1) / n + rng.normal(0, 0.8, n)), 1, 5)
    ids = _ids("ACC", np.arange(1, n + 1), 7)
    return pl.DataFrame(
        {
            "account_id": ids,
            "account_name": names.tolist(),
            "industry": _strs(np.where(acc_type == 2, None, np.array(INDUSTRIES, dtype=object)[ind])),
            "region": _strs(region),
            "city": _strs(city),
            "city_tier": pl.Series(np.where(tier > 0, tier, np.nan), nan_to_null=True).cast(pl.Int64),
            "account_type": _take(("enterprise", "smb", "consumer"), acc_type),
            "owner_rep_id": _ids("REP", owner + 1, 4),
            "acquisition_channel_id": _take([c[0] for c in CHANNELS], channel),
            "partner_id": _opt_ids("PTR", np.where(partner >= 0, partner + 1, -1), 4),
            "credit_rating": _take(("A", "B", "C", "D"), credit),
            "strategic_flag": pl.Series(strategic),
            "demand_intensity": score.astype(np.int64),
            "cooperation_potential": np.clip(score + rng.integers(-1, 2, n), 1, 5).astype(np.int64),
            "strategic_fit": np.clip(np.where(strategic, 5, score - rng.integers(0, 2, n)), 1, 5).astype(np.int64),
            "contact_name": person.tolist(),
            "contact_phone": pl.Series(
                np.char.add("1", rng.choice(["38", "39", "50", "58", "86", "89"], n).astype(str))
            )
            + pl.Series(rng.integers(0, 10**8, n)).cast(pl.String).str.zfill(8),
            "contact_email": ids.str.to_lowercase() + "@customer.example.com",
            "created_at": _timestamps(created),
            "updated_at": _timestamps(updated),
        }
    )


def _set_partner_account_names(accounts: pl.DataFrame, partners: pl.DataFrame, w: _World) -> pl.DataFrame:
    """Partner accounts carry the partner's legal name (the distributor is the buying customer)."""
    n_ptr = w.n_partners
    names = accounts["account_name"].to_list()
    names[:n_ptr] = partners["partner_name"].to_list()
    w.acc_name = np.array(names, dtype=object)
    return accounts.with_columns(pl.Series("account_name", names, dtype=pl.String))


# ---------------------------------------------------------------------------------------------- funnel


def _build_funnel(w: _World) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Opportunities, their stage history and the leads they came from."""
    rng = _rng(w.seed, "opportunities")
    n = w.sizes.opportunities

    # Creation dates follow the business calendar (season and growth).
    per_month = _split_total(n, MONTH_WEIGHT)
    month = np.repeat(np.arange(N_MONTHS), per_month)
    day = np.empty(n, dtype=np.int64)
    for m in range(N_MONTHS):
        rows = month == m
        days = np.arange(MONTH_START[m], MONTH_END[m] + 1)
        p = DAY_WEIGHT[days - START_DAY]
        day[rows] = rng.choice(days, size=rows.sum(), p=p / p.sum())

    # Accounts: B2B customers (and ~10% partner accounts for channel deals); never prospects-only-later.
    b2b = (w.acc_type <= 1) & (w.acc_partner < 0)
    ptr_acc = w.acc_partner >= 0
    pw = np.where(b2b, np.sqrt(w.acc_weight), 0.0)
    acc = rng.choice(w.n_accounts, size=n, p=pw / pw.sum())
    on_ptr = rng.random(n) < 0.10
    ppw = np.where(ptr_acc, 1.0, 0.0)
    acc[on_ptr] = rng.choice(w.n_accounts, size=int(on_ptr.sum()), p=ppw / ppw.sum())
    created = day * _DAY_S + _work_time(rng, n)
    # An opportunity is never older than its account.
    min_created = w.acc_created[acc] + rng.integers(1, 20, n) * _DAY_S
    created = np.minimum(np.maximum(created, min_created), END_TS - 3 * _DAY_S - rng.integers(0, 5 * 3600, n))
    order = np.argsort(created, kind="stable")
    acc, created, on_ptr = acc[order], created[order], on_ptr[order]
    day = created // _DAY_S
    rep = w.effective_rep(acc, day)

    # Product, quantity and price in the deal currency.
    prod = np.empty(n, dtype=np.int64)
    pp = w.prod_pop.copy()
    for i in range(n):  # cheap: n is the opportunity count
        ptr = w.acc_partner[acc[i]]
        if ptr >= 0:
            prod[i] = w.ptr_carry[ptr, rng.integers(w.ptr_carry_n[ptr])]
            if w.prod_launch[prod[i]] > day[i]:
                prod[i] = w.ptr_carry[ptr, 0]
        else:
            ok = w.prod_launch <= day[i]
            p = np.where(ok, pp, 0)
            prod[i] = rng.choice(w.n_products, p=p / p.sum())
    currency = w.acc_currency[acc]
    big = w.acc_type[acc] == 0
    qty = np.maximum(
        1,
        np.ceil(
            rng.lognormal(np.where(big, 2.6, 1.4), 0.8) * np.clip((2000 / w.prod_list_price[prod]) ** 0.35, 0.3, 4)
        ),
    ).astype(np.int64)
    unit = np.round(w.prod_list_price[prod] * rng.uniform(0.97, 1.03, n) / w.rate(currency, day), 2)
    disc = np.round(rng.uniform(0, 0.2, n), 2)
    amount = np.round(qty * unit * (1 - disc), 2)

    # 8C/1F/0W checklist (domain §2.3): flagged deals win ~65%, others less, worse with more W.
    good = rng.random(n) < 0.22
    c = np.where(good, rng.integers(8, 10, n), rng.integers(2, 9, n))
    wv = np.where(good, 0, 1 + np.floor(rng.random(n) * (9 - c)).astype(np.int64))
    f = 9 - c - wv
    p_win = np.where(good, 0.66, np.clip(0.46 - 0.05 * wv, 0.08, 0.5))
    wins = rng.random(n) < p_win
    lost_at = rng.choice(4, size=n, p=[0.30, 0.28, 0.22, 0.20])

    # Pre-drawn randomness for the per-opportunity walk.
    skip = rng.random(n) < 0.06
    skip_which = rng.integers(1, 3, n)
    reenter = rng.random(n) < 0.05
    stall = rng.random(n) < 0.06
    gaps = rng.exponential(9.0, (n, 9)) * _DAY_S + rng.integers(3600, 8 * 3600, (n, 9))
    stall_at = rng.integers(0, 4, n)
    order_delay = rng.integers(0, 11, n)
    collect_delay = rng.integers(10, 100, n)
    slow_payer = rng.random(n) < 0.12
    order_time = _work_time(rng, n)

    hist_opp: list[int] = []
    hist_stage: list[int] = []  # index into STAGES, 6 = lost
    hist_ts: list[int] = []
    status = np.zeros(n, dtype=np.int64)  # 0 open 1 won 2 lost
    stage = np.zeros(n, dtype=np.int64)
    closed = np.full(n, -1, dtype=np.int64)
    last_ts = np.zeros(n, dtype=np.int64)
    order_day = np.full(n, -1, dtype=np.int64)
    collected_ts = np.full(n, -1, dtype=np.int64)
    for i in range(n):
        path = [0, 1, 2, 3, 4] if wins[i] else [*range(int(lost_at[i]) + 1), 6]
        core = [s for s in path if s < 4]
        if skip[i] and len(core) >= 3 and skip_which[i] < core[-1]:
            path.remove(int(skip_which[i]))  # e.g. straight from qualified to proposal
        if reenter[i]:
            k = next((j for j, s in enumerate(path) if s >= 2 and s < 4), None)
            if k is not None:
                path[k + 1 : k + 1] = [path[k] - 1, path[k]]  # back to the previous stage and again
        ts = int(created[i])
        kept: list[tuple[int, int]] = []
        for j, s in enumerate(path):
            if j > 0:
                gap = float(gaps[i, j % 9])
                if stall[i] and j == stall_at[i] + 1:
                    gap *= 12  # a stalled deal: sits open long past its expected close date
                ts += int(gap)
            if ts > END_TS:
                break
            kept.append((s, ts))
        won_ts = -1
        if kept and kept[-1][0] == 4:
            won_ts = kept[-1][1]
            od = won_ts // _DAY_S + int(order_delay[i])
            if od <= END_DAY:
                order_day[i] = od
                col = (od * _DAY_S + int(order_time[i])) + int(collect_delay[i]) * _DAY_S
                if col <= END_TS and not slow_payer[i]:
                    collected_ts[i] = max(col, won_ts + 3600)
                    kept.append((5, int(collected_ts[i])))
        for s, t in kept:
            hist_opp.append(i)
            hist_stage.append(s)
            hist_ts.append(t)
        last_stage, last_t = kept[-1]
        stage[i], last_ts[i] = last_stage, last_t
        if last_stage in (4, 5):
            status[i], closed[i] = 1, won_ts
        elif last_stage == 6:
            status[i], closed[i] = 2, last_t

    # Orders that fulfil won deals (one line reproducing the deal amount), by order month.
    linked = np.flatnonzero(order_day >= 0)
    odays = order_day[linked]
    terms = rng.choice([30, 60, 90], size=len(linked), p=[0.5, 0.3, 0.2])
    linked_months = _month_of_day(odays)
    for m in range(N_MONTHS):
        sel = linked_months == m
        idx = linked[sel]
        w.opp_orders[m] = {
            "opp": idx,
            "acc": acc[idx],
            "rep": w.effective_rep(acc[idx], odays[sel]),
            "day": odays[sel],
            "product": prod[idx],
            "qty": qty[idx],
            "unit": unit[idx],
            "disc": disc[idx],
            "currency": currency[idx],
            "terms": terms[sel],
            "collected_ts": collected_ts[idx],
        }
    won_month = _month_of_day(np.where(closed >= 0, closed, 0) // _DAY_S)
    w.opp_won_team_month = np.zeros((len(w.team_region), N_MONTHS), dtype=np.int64)
    won = status == 1
    np.add.at(w.opp_won_team_month, (w.rep_team[rep[won]], won_month[won]), 1)

    # Activities behind each deal: 3-6 touches before a win (domain §2.4: 3-5 typical), fewer otherwise.
    touches = np.where(
        status == 1, rng.integers(3, 7, n), np.where(status == 2, rng.integers(1, 5, n), rng.integers(1, 4, n))
    )
    a_opp = np.repeat(np.arange(n), touches)
    lo = created[a_opp]
    hi = np.where(closed[a_opp] >= 0, closed[a_opp], np.minimum(END_TS, created[a_opp] + 120 * _DAY_S))
    a_ts = lo + (rng.random(len(a_opp)) * (hi - lo)).astype(np.int64)
    a_day = a_ts // _DAY_S
    a_ts = np.clip(a_day * _DAY_S + _work_time(rng, len(a_opp)), lo, hi)
    w.opp_act_ts, w.opp_act_opp = a_ts, a_opp
    w.opp_act_acc = acc[a_opp]
    w.opp_act_rep = w.effective_rep(acc[a_opp], a_ts // _DAY_S)
    w.opp_act_type = rng.choice(6, size=len(a_opp), p=[0.25, 0.2, 0.18, 0.15, 0.12, 0.10])

    stage_names = np.array(STAGES + (LOST,), dtype=object)
    expected_close = day + rng.integers(30, 150, n)
    lost_reason = np.where(status == 2, np.array(LOST_REASONS, dtype=object)[rng.integers(0, 6, n)], None)
    opp_ids = _ids("OPP", np.arange(1, n + 1), 7)

    # Leads: ~30% of deals were converted leads; the rest of the leads are in every other status.
    from_lead = rng.random(n) < 0.30
    conv = np.flatnonzero(from_lead)
    n_leads = max(w.sizes.leads, len(conv) + 50)
    n_other = n_leads - len(conv)
    lrng = _rng(w.seed, "leads")
    conv_created = np.maximum(
        START_DAY * _DAY_S + _work_time(lrng, len(conv)),
        created[conv] - lrng.integers(3, 45, len(conv)) * _DAY_S - lrng.integers(0, 3600 * 6, len(conv)),
    )
    conv_created = np.minimum(conv_created, created[conv] - 3600)
    per_month = _split_total(n_other, MONTH_WEIGHT)
    o_month = np.repeat(np.arange(N_MONTHS), per_month)
    o_day = _sample_days(lrng, MONTH_START[o_month], MONTH_END[o_month], n_other)
    o_created = o_day * _DAY_S + _work_time(lrng, n_other)
    age = END_DAY - o_day
    o_status = np.where(
        age < 30,
        lrng.choice([0, 1, 2], size=n_other, p=[0.55, 0.3, 0.15]),
        lrng.choice([1, 2, 3], size=n_other, p=[0.35, 0.2, 0.45]),
    )
    l_created = np.concatenate([conv_created, o_created])
    l_status = np.concatenate([np.full(len(conv), 4), o_status])
    order_l = np.argsort(l_created, kind="stable")
    l_created, l_status = l_created[order_l], l_status[order_l]
    l_opp = np.concatenate([conv, np.full(n_other, -1)])[order_l]
    lead_of_opp = np.full(n, -1, dtype=np.int64)
    lead_of_opp[l_opp[l_opp >= 0]] = np.flatnonzero(l_opp >= 0)
    # BANT is mostly present on leads that went on to convert (domain §3.9).
    p_bant = np.array([0.3, 0.4, 0.6, 0.2, 0.8])[l_status]
    bant = lrng.random((4, n_leads)) < p_bant
    existing = (lrng.random(n_leads) < 0.2) & (l_opp < 0)
    l_acc = np.where(
        l_opp >= 0, acc[np.maximum(l_opp, 0)], np.where(existing, lrng.integers(0, w.n_accounts, n_leads), -1)
    )
    # A lead can only name an account that already existed.
    l_acc = np.where((l_acc >= 0) & (w.acc_created[np.maximum(l_acc, 0)] > l_created) & (l_opp < 0), -1, l_acc)
    source = lrng.choice(len(LEAD_SOURCES), size=n_leads, p=_LEAD_SOURCE_WEIGHT)
    source = np.where((l_acc >= 0) & (w.acc_partner[np.maximum(l_acc, 0)] >= 0), 6, source)
    l_day = l_created // _DAY_S
    l_rep = np.where(
        l_opp >= 0,
        rep[np.maximum(l_opp, 0)],
        np.where(lrng.random(n_leads) < 0.85, -1, -2),
    )
    plain_reps = np.flatnonzero(w.rep_role == 0)
    pick = plain_reps[lrng.integers(0, len(plain_reps), n_leads)]
    pick = np.where(w.employed(pick, l_day), pick, w.team_manager[w.rep_team[pick]])
    l_rep = np.where(l_rep == -1, pick, l_rep)
    l_rep = np.where((l_rep == -2) | ((l_status == 0) & (lrng.random(n_leads) < 0.5)), -1, l_rep)
    l_rep = np.where(l_opp >= 0, rep[np.maximum(l_opp, 0)], l_rep)
    quarter = (_month_of_day(l_day) // 3) % 4 + 1
    year = 2024 + _month_of_day(l_day) // 12
    theme = np.array(_CAMPAIGN_THEMES, dtype=object)[lrng.integers(0, len(_CAMPAIGN_THEMES), n_leads)]
    campaign = np.where(
        source <= 3,
        year.astype(str).astype(object)
        + "Q"
        + quarter.astype(str).astype(object)
        + "-"
        + np.array(LEAD_SOURCES, dtype=object)[source]
        + "-"
        + theme,
        None,
    )
    company = np.where(
        l_acc >= 0,
        w.acc_name[np.maximum(l_acc, 0)],
        np.array(_BRAND, dtype=object)[lrng.integers(0, len(_BRAND), n_leads)]
        + np.array(_BRAND, dtype=object)[lrng.integers(0, len(_BRAND), n_leads)]
        + np.array(_INDUSTRY_CN, dtype=object)[lrng.integers(0, len(_INDUSTRY_CN), n_leads)]
        + "有限公司",
    )
    conv_at = np.where(l_opp >= 0, created[np.maximum(l_opp, 0)], -1)
    l_updated = np.where(l_opp >= 0, conv_at, np.minimum(END_TS, l_created + lrng.integers(0, 60, n_leads) * _DAY_S))
    leads = pl.DataFrame(
        {
            "lead_id": _ids("LD", np.arange(1, n_leads + 1), 7),
            "created_at": _timestamps(l_created),
            "source": _take(LEAD_SOURCES, source),
            "campaign": _strs(campaign),
            "rep_id": _opt_ids("REP", np.where(l_rep >= 0, l_rep + 1, -1), 4),
            "company_name": _strs(company),
            "account_id": _opt_ids("ACC", np.where(l_acc >= 0, l_acc + 1, -1), 7),
            "status": _take(("new", "nurturing", "qualified", "disqualified", "converted"), l_status),
            "has_budget": pl.Series(bant[0]),
            "has_authority": pl.Series(bant[1]),
            "has_need": pl.Series(bant[2]),
            "has_timeline": pl.Series(bant[3]),
            "decision_chain_size": lrng.integers(1, 9, n_leads),
            "converted_at": _timestamps(conv_at, l_opp >= 0),
            "opportunity_id": _opt_ids("OPP", np.where(l_opp >= 0, l_opp + 1, -1), 7),
            "updated_at": _timestamps(l_updated),
        }
    )

    channel = w.acc_channel[acc]
    partner = w.acc_partner[acc]
    opportunities = pl.DataFrame(
        {
            "opportunity_id": opp_ids,
            "account_id": _ids("ACC", acc + 1, 7),
            "lead_id": _opt_ids("LD", np.where(lead_of_opp >= 0, lead_of_opp + 1, -1), 7),
            "rep_id": _ids("REP", rep + 1, 4),
            "channel_id": _take([c[0] for c in CHANNELS], channel),
            "partner_id": _opt_ids("PTR", np.where(partner >= 0, partner + 1, -1), 4),
            "product_id": _ids("PRD", prod + 1, 5),
            "created_at": _timestamps(created),
            "stage": _take(stage_names, stage),
            "status": _take(("open", "won", "lost"), status),
            "amount": amount,
            "currency": _take(CURRENCIES, currency),
            "expected_close_date": _dates(expected_close),
            "closed_at": _timestamps(closed, closed >= 0),
            "lost_reason": _strs(lost_reason),
            "checklist_c": c.astype(np.int64),
            "checklist_f": f.astype(np.int64),
            "checklist_w": wv.astype(np.int64),
            "updated_at": _timestamps(last_ts),
        }
    )
    h_opp = np.array(hist_opp, dtype=np.int64)
    history = pl.DataFrame(
        {
            "opportunity_id": _ids("OPP", h_opp + 1, 7),
            "stage": _take(stage_names, np.array(hist_stage, dtype=np.int64)),
            "entered_at": _timestamps(np.array(hist_ts, dtype=np.int64)),
        }
    )
    return leads, opportunities, history


# ---------------------------------------------------------------------------------------------- orders


_LINES_P = np.array([0.22, 0.27, 0.24, 0.16, 0.11])
_LINES_MEAN = float((np.arange(1, 6) * _LINES_P).sum())
_RETURN_RATE = 0.02
_ORDER_MIX = (0.12, 0.15, 0.73)  # partner sell-in, foreign currency, domestic direct / e-commerce
_CANCEL_RATE = 0.03
# Payment behaviour by credit rating A-D: prompt, late (>15 days), partial, never.
_PAYER_P = np.array(
    [[0.85, 0.10, 0.04, 0.01], [0.75, 0.15, 0.07, 0.03], [0.60, 0.20, 0.12, 0.08], [0.45, 0.25, 0.15, 0.15]]
)


def _order_total(w: _World) -> int:
    if w.sizes.orders is not None:
        return w.sizes.orders
    assert w.sizes.order_lines is not None
    n_opp = sum(len(v["opp"]) for v in w.opp_orders.values())
    per_order = _LINES_MEAN + _RETURN_RATE * 0.9
    return max(300, round((w.sizes.order_lines + n_opp * (_LINES_MEAN - 1)) / per_order))


def _month_account_p(w: _World, m: int) -> np.ndarray:
    active = (w.acc_start <= m) & (m <= w.acc_end)
    weight = w.acc_weight * active
    # Fixed monthly mix, however heavy-tailed the few partner / foreign accounts are: ~12% of orders
    # are partner sell-in, ~15% are in USD/EUR/HKD, the rest domestic direct and e-commerce.
    group = np.where(w.acc_partner >= 0, 0, np.where(w.acc_currency > 0, 1, 2))
    totals = np.bincount(group, weights=weight, minlength=3)
    share = np.where(totals > 0, np.array(_ORDER_MIX), 0.0)
    weight = weight * (share / share.sum() / np.where(totals > 0, totals, 1.0))[group]
    if m % 3 == 2:  # quarter-end push: stuffing partners buy far more than their run-rate
        stuffer_acc = (w.acc_partner >= 0) & w.ptr_stuffer[np.maximum(w.acc_partner, 0)]
        weight = np.where(stuffer_acc, weight * 3.0, weight)
    return weight / weight.sum()


def _order_chunk(
    w: _World,
    m: int,
    n_regular: int,
    linked: dict[str, np.ndarray] | None,
    rng: np.random.Generator,
    first_number: int,
    acc_p: np.ndarray,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    days_in_month = np.arange(MONTH_START[m], MONTH_END[m] + 1)
    day_p = DAY_WEIGHT[days_in_month - START_DAY]
    day_p = day_p / day_p.sum()

    # ---- headers
    acc = rng.choice(w.n_accounts, size=n_regular, p=acc_p)
    day = rng.choice(days_in_month, size=n_regular, p=day_p)
    partner = w.acc_partner[acc]
    stuffing = np.zeros(n_regular, dtype=bool)
    if m % 3 == 2:
        stuffing = (partner >= 0) & w.ptr_stuffer[np.maximum(partner, 0)]
        day = np.where(stuffing, MONTH_END[m] - rng.integers(0, 10, n_regular), day)
    rep = w.effective_rep(acc, day)
    # A colleague of the same team covers ~5% of orders (holiday cover, shared accounts).
    colleague = rng.random(n_regular) < 0.05
    team = w.acc_team[acc]
    alt = w.team_members[team, np.floor(rng.random(n_regular) * w.team_size[team]).astype(np.int64)]
    rep = np.where(colleague & w.employed(alt, day) & (partner < 0), alt, rep)
    channel = w.acc_channel[acc].copy()
    domestic_direct = (partner < 0) & (channel != _CH_XB)
    switch = domestic_direct & (rng.random(n_regular) < 0.08)
    channel[switch] = rng.choice([_CH_KEY, _CH_SITE, _CH_TMALL, _CH_JD, _CH_DOUYIN], size=int(switch.sum()))
    currency = w.acc_currency[acc]
    ctype = _CHANNEL_TYPE[channel]
    terms = np.where(
        partner >= 0,
        rng.choice([30, 60, 90], size=n_regular, p=[0.4, 0.4, 0.2]),
        rng.choice([0, 30, 60, 90], size=n_regular, p=[0.15, 0.45, 0.25, 0.15]),
    )
    terms = np.where(ctype == "ecommerce", 0, terms)
    opp = np.full(n_regular, -1, dtype=np.int64)
    forced = np.full(n_regular, -2, dtype=np.int64)  # -2 normal, -1 won-not-collected, else paid ts
    n_lines = rng.choice(5, size=n_regular, p=_LINES_P) + 1

    if linked is not None and len(linked["opp"]):
        k = len(linked["opp"])
        acc = np.concatenate([linked["acc"], acc])
        day = np.concatenate([linked["day"], day])
        partner = np.concatenate([w.acc_partner[linked["acc"]], partner])
        stuffing = np.concatenate([np.zeros(k, bool), stuffing])
        rep = np.concatenate([linked["rep"], rep])
        channel = np.concatenate([w.acc_channel[linked["acc"]], channel])
        currency = np.concatenate([linked["currency"], currency])
        terms = np.concatenate([linked["terms"], terms])
        opp = np.concatenate([linked["opp"], opp])
        forced = np.concatenate([np.where(linked["collected_ts"] >= 0, linked["collected_ts"], -1), forced])
        n_lines = np.concatenate([np.ones(k, np.int64), n_lines])
    n = len(acc)
    ctype = _CHANNEL_TYPE[channel]
    order_ts = day * _DAY_S + _work_time(rng, n)
    sort = np.lexsort((rng.random(n), order_ts))
    acc, day, partner, stuffing, rep = acc[sort], day[sort], partner[sort], stuffing[sort], rep[sort]
    channel, currency, terms, opp, forced = channel[sort], currency[sort], terms[sort], opp[sort], forced[sort]
    n_lines, order_ts, ctype = n_lines[sort], order_ts[sort], ctype[sort]
    is_linked = opp >= 0
    linked_pos = np.zeros(0, dtype=np.int64)
    if linked is not None and len(linked["opp"]):
        inv = np.argsort(sort)
        linked_pos = inv[: len(linked["opp"])]

    # Status machine (domain §1.8): cancelled / returned share, then what the clock allows.
    u = rng.random(n)
    cancelled = (u < _CANCEL_RATE) & ~is_linked
    returned = (u >= _CANCEL_RATE) & (u < _CANCEL_RATE + _RETURN_RATE) & ~is_linked
    ship_ts = order_ts + rng.integers(12 * 3600, 4 * _DAY_S, n)
    deliv_ts = ship_ts + rng.integers(_DAY_S, 7 * _DAY_S, n)
    return_ts = deliv_ts + rng.integers(3 * _DAY_S, 20 * _DAY_S, n)
    shipped_ok = (ship_ts <= END_TS) & ~cancelled
    delivered_ok = (deliv_ts <= END_TS) & ~cancelled
    returned = returned & (return_ts <= END_TS)
    status = np.where(
        cancelled,
        4,
        np.where(
            returned,
            5,
            np.where(delivered_ok, 3, np.where(shipped_ok, 2, np.where(END_TS - order_ts > 2 * _DAY_S, 1, 0))),
        ),
    )
    cancel_ts = np.minimum(END_TS, order_ts + rng.integers(3600, 3 * _DAY_S, n))
    updated = np.where(
        status == 4,
        cancel_ts,
        np.where(
            status == 5,
            return_ts,
            np.where(status == 3, deliv_ts, np.where(status == 2, ship_ts, np.minimum(END_TS, order_ts + 3600))),
        ),
    )
    order_number = first_number + np.arange(n)

    # ---- lines
    line_order = np.repeat(np.arange(n), n_lines)
    line_no = np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines) + 1
    nl = len(line_order)
    l_acc = acc[line_order]
    l_ptr = partner[line_order]
    eligible = w.prod_launch <= MONTH_START[m]
    pp = np.where(eligible, w.prod_pop, 0.0)
    prod = rng.choice(w.n_products, size=nl, p=pp / pp.sum())
    # Consumers and web shops buy the cheaper lines (consumables, sensors, devices).
    cheap_p = np.where(w.prod_list_price <= 3000, pp, 0.0)
    retail = (w.acc_type[l_acc] == 2) | (_CHANNEL_TYPE[channel[line_order]] == "ecommerce")
    prod = np.where(retail, rng.choice(w.n_products, size=nl, p=cheap_p / cheap_p.sum()), prod)
    is_ptr_line = l_ptr >= 0
    slot = np.zeros(nl, dtype=np.int64)
    if is_ptr_line.any():
        pi = l_ptr[is_ptr_line]
        s = np.floor(rng.random(len(pi)) * w.ptr_carry_n[pi]).astype(np.int64)
        cand = w.ptr_carry[pi, s]
        late = w.prod_launch[cand] > MONTH_START[m]
        s = np.where(late, 0, s)  # slot 0 always holds an established product
        slot[is_ptr_line] = s
        prod[is_ptr_line] = w.ptr_carry[pi, s]
    a_type = w.acc_type[l_acc]
    size = np.clip((2000 / w.prod_list_price[prod]) ** 0.35, 0.3, 4)
    base_qty = np.where(
        is_ptr_line,
        rng.lognormal(2.6, 0.7, nl),
        np.where(
            a_type == 0,
            rng.lognormal(1.9, 0.8, nl),
            np.where(a_type == 1, rng.geometric(0.25, nl), rng.geometric(0.65, nl)),
        ),
    )
    qty = np.maximum(
        1, np.ceil(base_qty * np.where(a_type == 2, 1.0, size) * np.where(stuffing[line_order], 2.5, 1.0))
    ).astype(np.int64)
    l_cur = currency[line_order]
    l_day = day[line_order]
    unit = np.round(w.prod_list_price[prod] * rng.uniform(0.97, 1.03, nl) / w.rate(l_cur, l_day), 2)
    tier = w.ptr_tier[np.maximum(l_ptr, 0)]
    lo = np.array([t[0] for t in _TIER_DISCOUNT])[tier]
    hi = np.array([t[1] for t in _TIER_DISCOUNT])[tier]
    disc = np.where(
        is_ptr_line,
        rng.uniform(lo, hi),
        np.where(
            a_type == 0,
            rng.uniform(0, 0.15, nl) + 0.05 * w.acc_strategic[l_acc],
            np.where(rng.random(nl) < 0.3, rng.uniform(0, 0.1, nl), 0.0),
        ),
    )
    disc = np.clip(np.round(disc, 2), 0, 0.3)
    # Won-deal orders reproduce the deal exactly (one line).
    if linked is not None and len(linked["opp"]):
        first_line = np.cumsum(n_lines) - n_lines
        rows = first_line[linked_pos]
        prod[rows], qty[rows] = linked["product"], linked["qty"]
        unit[rows], disc[rows] = linked["unit"], linked["disc"]
        lp = partner[linked_pos]
        chan = rows[lp >= 0]
        # Channel deals: the deal product is one the partner carries; find its stock slot for sell-in.
        slot[chan] = np.maximum(0, w.ptr_slot[lp[lp >= 0], prod[chan]])
    # Returned orders get a negative-quantity line for part of the first line.
    ret_orders = np.flatnonzero(status == 5)
    first_line = np.cumsum(n_lines) - n_lines
    src = first_line[ret_orders]
    ret_qty = -np.maximum(1, np.floor(qty[src] * rng.uniform(0.2, 1.0, len(ret_orders)))).astype(np.int64)
    line_order = np.concatenate([line_order, ret_orders])
    line_no = np.concatenate([line_no, n_lines[ret_orders] + 1])
    prod = np.concatenate([prod, prod[src]])
    qty = np.concatenate([qty, ret_qty])
    unit = np.concatenate([unit, unit[src]])
    disc = np.concatenate([disc, disc[src]])
    slot = np.concatenate([slot, slot[src]])
    lsort = np.lexsort((line_no, line_order))
    line_order, line_no, prod, qty, unit, disc, slot = (
        line_order[lsort],
        line_no[lsort],
        prod[lsort],
        qty[lsort],
        unit[lsort],
        disc[lsort],
        slot[lsort],
    )

    # ---- money: exact integers (1/10000 of the currency) so that a warehouse computing
    # sum(quantity * unit_price * (1 - discount_pct)) gets the same total the instalments add up to.
    unit_cents = np.round(unit * 100).astype(np.int64)
    disc_pct = np.round(disc * 100).astype(np.int64)
    line_e4 = qty * unit_cents * (100 - disc_pct)
    total_e4 = np.zeros(n, dtype=np.int64)
    np.add.at(total_e4, line_order, line_e4)
    total = (total_e4 + 50) // 100  # cents, half up
    rate = w.rate(currency, day)
    live = status != 4
    net_cny = total / 100 * rate * live
    np.add.at(w.rev_rep_month[:, m], rep, net_cny)
    for_ptr = (partner >= 0) & live
    np.add.at(w.rev_partner_quarter[:, m // 3], partner[for_ptr], net_cny[for_ptr])
    lp = partner[line_order]
    ok = (lp >= 0) & live[line_order]
    np.add.at(w.sell_in[:, :, m], (lp[ok], slot[ok]), qty[ok])
    np.minimum.at(w.first_order_month, acc[live], m)

    # ---- payments
    payer = (rng.random(n)[:, None] > np.cumsum(_PAYER_P[w.acc_credit[acc]], axis=1)).sum(axis=1)
    n_inst = np.where(terms == 0, 1, rng.choice([1, 2, 3], size=n, p=[0.6, 0.28, 0.12]))
    n_inst = np.where(payer == 2, np.maximum(2, n_inst), n_inst)
    due = day + terms
    gap = rng.integers(15, 36, n)
    # Instalment plans end around the due date; late payers (and half the partial ones) slip 16-120 days.
    slips = (payer == 1) | ((payer == 2) & (rng.random(n) < 0.5))
    last_day = due + np.where(slips, rng.integers(16, 121, n), rng.integers(-10, 11, n))
    first_day = np.maximum(day, last_day - (n_inst - 1) * gap)
    first_day = np.where(terms == 0, day + rng.integers(0, 2, n), first_day)
    paid_count = np.where(
        payer == 3, 0, np.where(payer == 2, np.floor(rng.random(n) * (n_inst - 1)) + 1, n_inst)
    ).astype(np.int64)
    paid_count = np.where(cancelled | (total <= 0), 0, paid_count)
    # Won deals: paid in full on the collection date that moved the deal to 6_collected, else unpaid.
    is_forced = forced > -2
    n_inst = np.where(is_forced, 1, n_inst)
    paid_count = np.where(is_forced, (forced >= 0).astype(np.int64), paid_count)
    p_order = np.repeat(np.arange(n), paid_count)
    p_k = np.arange(len(p_order)) - np.repeat(np.cumsum(paid_count) - paid_count, paid_count)
    p_day = first_day[p_order] + p_k * gap[p_order]
    p_ts = p_day * _DAY_S + _work_time(rng, len(p_order))
    p_ts = np.where(is_forced[p_order], forced[p_order], np.maximum(p_ts, order_ts[p_order] + 600))
    share = total[p_order] // n_inst[p_order]
    p_cents = np.where(p_k == n_inst[p_order] - 1, total[p_order] - share * (n_inst[p_order] - 1), share)
    keep = p_ts <= END_TS
    p_order, p_k, p_ts, p_cents = p_order[keep], p_k[keep], p_ts[keep], p_cents[keep]
    p_month = _month_of_day(p_ts // _DAY_S)
    np.add.at(w.coll_rep_month, (rep[p_order], p_month), p_cents / 100 * rate[p_order])
    method = np.where(
        _CHANNEL_TYPE[channel[p_order]] == "ecommerce",
        rng.choice([2, 3], size=len(p_order)),
        np.where(
            _CHANNEL_TYPE[channel[p_order]] == "cross_border",
            rng.choice([0, 4], size=len(p_order), p=[0.6, 0.4]),
            rng.choice([0, 1, 2, 3, 5], size=len(p_order), p=[0.6, 0.25, 0.06, 0.06, 0.03]),
        ),
    )

    order_ids = _ids("ORD", order_number, 8)
    shipped_valid = status.astype(np.int64) >= 2
    shipped_valid &= status != 4
    orders = pl.DataFrame(
        {
            "order_id": order_ids,
            "account_id": _ids("ACC", acc + 1, 7),
            "rep_id": _ids("REP", rep + 1, 4),
            "channel_id": _take([c[0] for c in CHANNELS], channel),
            "partner_id": _opt_ids("PTR", np.where(partner >= 0, partner + 1, -1), 4),
            "opportunity_id": _opt_ids("OPP", np.where(opp >= 0, opp + 1, -1), 7),
            "order_date": _dates(day),
            "status": _take(("placed", "approved", "shipped", "delivered", "cancelled", "returned"), status),
            "currency": _take(CURRENCIES, currency),
            "payment_terms_days": terms.astype(np.int64),
            "due_date": _dates(due),
            "shipped_at": _timestamps(ship_ts, shipped_valid),
            "delivered_at": _timestamps(deliv_ts, (status == 3) | (status == 5)),
            "updated_at": _timestamps(updated),
        }
    )
    lines = pl.DataFrame(
        {
            "order_id": order_ids.gather(line_order),
            "line_number": line_no.astype(np.int64),
            "product_id": _ids("PRD", prod + 1, 5),
            "quantity": qty.astype(np.int64),
            "unit_price": unit,
            "discount_pct": disc,
        }
    )
    p_sort = np.lexsort((p_k, p_order))
    p_order, p_k, p_ts, p_cents, method = p_order[p_sort], p_k[p_sort], p_ts[p_sort], p_cents[p_sort], method[p_sort]
    payments = pl.DataFrame(
        {
            "payment_id": _ids("PAY", order_number[p_order] * 10 + p_k + 1, 9),
            "order_id": order_ids.gather(p_order),
            "paid_at": _timestamps(p_ts),
            "amount": p_cents / 100,
            "currency": _take(CURRENCIES, currency[p_order]),
            "method": _take(PAYMENT_METHODS, method),
        }
    )
    return orders, lines, payments


def _stream_orders(w: _World, landing: Path) -> dict[str, _CsvSink]:
    total = _order_total(w)
    per_month = _split_total(total, MONTH_WEIGHT)
    sinks = {
        name: _CsvSink(landing, CONTRACT_BY_NAME[name], _BAD_SPECS[name])
        for name in ("orders", "order_lines", "payments")
    }
    w.rev_rep_month = np.zeros((w.n_reps, N_MONTHS))
    w.coll_rep_month = np.zeros((w.n_reps, N_MONTHS))
    w.rev_partner_quarter = np.zeros((w.n_partners, N_MONTHS // 3))
    w.sell_in = np.zeros((w.n_partners, w.ptr_carry.shape[1], N_MONTHS), dtype=np.int64)
    w.first_order_month = np.full(w.n_accounts, N_MONTHS, dtype=np.int64)
    number = 1
    chunk = 0
    for m in range(N_MONTHS):
        linked = w.opp_orders.get(m)
        n_linked = 0 if linked is None else len(linked["opp"])
        n_regular = max(0, int(per_month[m]) - n_linked)
        n_sub = max(1, math.ceil(n_regular / ORDERS_PER_CHUNK))
        sub_sizes = _split_total(n_regular, np.ones(n_sub))
        acc_p = _month_account_p(w, m)
        for sub in range(n_sub):
            rng = _rng(w.seed, "orders", m, sub)
            orders, lines, payments = _order_chunk(
                w, m, int(sub_sizes[sub]), linked if sub == 0 else None, rng, number, acc_p
            )
            number += orders.height
            sinks["orders"].write(orders, _rng(w.seed, "orders_bad", chunk))
            sinks["order_lines"].write(lines, _rng(w.seed, "order_lines_bad", chunk))
            sinks["payments"].write(payments, _rng(w.seed, "payments_bad", chunk))
            chunk += 1
    assert number < 9 * 10**7, "order ids would reach the reserved bad-row range"
    return sinks


# ---------------------------------------------------------------------------------------------- channel stock


def _channel_stock(w: _World, landing: Path) -> tuple[_CsvSink, pl.DataFrame]:
    """Month-end partner inventory and the sell-out that drains it (domain §1.18, §4.4, §4.5)."""
    rng = _rng(w.seed, "partner_inventory")
    n_p, n_s = w.ptr_carry.shape
    carried = np.arange(n_s)[None, :] < w.ptr_carry_n[:, None]
    run_rate = np.maximum(w.sell_in, 0).mean(axis=2)
    on_hand = np.round(run_rate * rng.uniform(0.8, 1.5, (n_p, n_s))).astype(np.int64) * carried
    snapshots: list[pl.DataFrame] = []
    sink = _CsvSink(landing, CONTRACT_BY_NAME["partner_sell_out"], _BAD_SPECS["partner_sell_out"])
    unauth = [np.flatnonzero(~w.ptr_auth[p]) for p in range(n_p)]
    auth = [np.flatnonzero(w.ptr_auth[p]) for p in range(n_p)]
    chunk = 0
    for m in range(N_MONTHS):
        mrng = _rng(w.seed, "partner_sell_out", m)
        active = (w.ptr_start_month <= m)[:, None] & carried
        avail = np.maximum(0, on_hand + w.sell_in[:, :, m]) * active
        sold = np.floor(avail * mrng.uniform(0.45, 0.75, (n_p, n_s))).astype(np.int64)
        on_hand = np.where(active, avail - sold, on_hand)
        pi, si = np.nonzero(active)
        snapshots.append(
            pl.DataFrame(
                {
                    "snapshot_date": _dates(np.full(len(pi), MONTH_END[m])),
                    "partner_id": _ids("PTR", pi + 1, 4),
                    "product_id": _ids("PRD", w.ptr_carry[pi, si] + 1, 5),
                    "on_hand_qty": on_hand[pi, si].astype(np.int64),
                }
            )
        )
        # Sell-out rows: each cell's monthly quantity split into end-customer sales of a few units.
        cp, cs = np.nonzero(sold > 0)
        q = sold[cp, cs]
        per_row = mrng.integers(2, 10, len(q))
        n_rows = np.ceil(q / per_row).astype(np.int64)
        r_cell = np.repeat(np.arange(len(q)), n_rows)
        pos = np.arange(len(r_cell)) - np.repeat(np.cumsum(n_rows) - n_rows, n_rows)
        r_qty = q[r_cell] // n_rows[r_cell] + (pos < q[r_cell] % n_rows[r_cell])
        r_ptr = cp[r_cell]
        r_prod = w.ptr_carry[r_ptr, cs[r_cell]]
        nr = len(r_cell)
        days = np.arange(MONTH_START[m], MONTH_END[m] + 1)
        dp = DAY_WEIGHT[days - START_DAY] + 0.3  # shops sell on weekends too
        r_day = mrng.choice(days, size=nr, p=dp / dp.sum())
        price = w.prod_list_price[r_prod] * mrng.uniform(0.92, 1.08, nr)
        dump = mrng.random(nr) < np.where(w.ptr_dumper[r_ptr], 0.10, 0.005)
        price = np.round(np.where(dump, w.prod_list_price[r_prod] * mrng.uniform(0.45, 0.7, nr), price), 2)
        cross = mrng.random(nr) < np.where(w.ptr_cross_seller[r_ptr], 0.12, 0.01)
        u = mrng.random(nr)
        region = np.empty(nr, dtype=np.int64)
        for p in np.unique(r_ptr):
            rows = np.flatnonzero(r_ptr == p)
            a, ua = auth[p], unauth[p]
            region[rows] = a[np.floor(u[rows] * len(a)).astype(np.int64)]
            xr = rows[cross[rows]]
            if len(ua) and len(xr):
                region[xr] = ua[np.floor(u[xr] * len(ua)).astype(np.int64)]
        order = np.lexsort((r_prod, r_day, r_ptr))
        r_ptr, r_prod, r_day, r_qty, price, region = (
            r_ptr[order],
            r_prod[order],
            r_day[order],
            r_qty[order],
            price[order],
            region[order],
        )
        # Serial numbers: partner + year/month + running number, unique across the whole file.
        seq = np.arange(nr) - np.searchsorted(r_ptr, r_ptr, side="left") + 1
        yymm = (2024 + m // 12 - 2000) * 100 + m % 12 + 1
        serial = pl.select(
            pl.concat_str(
                [
                    pl.lit("SN"),
                    pl.Series(r_ptr + 1).cast(pl.String).str.zfill(4),
                    pl.lit(str(yymm)),
                    pl.Series(seq).cast(pl.String).str.zfill(6),
                ]
            )
        ).to_series()
        month_df = pl.DataFrame(
            {
                "partner_id": _ids("PTR", r_ptr + 1, 4),
                "product_id": _ids("PRD", r_prod + 1, 5),
                "sold_on": _dates(r_day),
                "quantity": r_qty.astype(np.int64),
                "unit_price": price,
                "end_customer_region": _take(_PROVINCE_NAMES, region),
                "serial_no": serial,
            }
        )
        for start in range(0, max(1, nr), SELL_OUT_ROWS_PER_CHUNK):
            sink.write(month_df.slice(start, SELL_OUT_ROWS_PER_CHUNK), _rng(w.seed, "partner_sell_out_bad", chunk))
            chunk += 1
    return sink, pl.concat(snapshots)


# ---------------------------------------------------------------------------------------------- activities


def _stream_activities(w: _World, landing: Path) -> _CsvSink:
    sink = _CsvSink(landing, CONTRACT_BY_NAME["activities"], _BAD_SPECS["activities"])
    linked_month = _month_of_day(w.opp_act_ts // _DAY_S)
    n_linked = len(w.opp_act_ts)
    n_generic = max(0, w.sizes.activities - n_linked)
    generic_per_month = _split_total(n_generic, MONTH_WEIGHT**0.5)
    linked_per_month = np.bincount(linked_month, minlength=N_MONTHS)
    first_number = 1 + np.concatenate([[0], np.cumsum(generic_per_month + linked_per_month)[:-1]])
    plain = np.flatnonzero(w.rep_role <= 1)
    for m in range(N_MONTHS):
        rng = _rng(w.seed, "activities", m)
        g = int(generic_per_month[m])
        # Account care and coverage touches (domain §3.10): owners call, visit, care and survey.
        created_ok = w.acc_created < MONTH_END[m] * _DAY_S
        aw = np.sqrt(w.acc_weight) * created_ok * np.where(w.acc_strategic, 3.0, 1.0)
        acc = rng.choice(w.n_accounts, size=g, p=aw / aw.sum())
        days = np.arange(MONTH_START[m], MONTH_END[m] + 1)
        dp = DAY_WEIGHT[days - START_DAY]
        day = rng.choice(days, size=g, p=dp / dp.sum())
        ts = day * _DAY_S + _work_time(rng, g)
        ts = np.maximum(ts, w.acc_created[acc] + 3600)
        rep = w.effective_rep(acc, ts // _DAY_S)
        a_type = rng.choice([0, 1, 2, 3, 6, 7], size=g, p=[0.32, 0.2, 0.18, 0.1, 0.06, 0.14])
        prospecting = rng.random(g) < 0.08
        cold = plain[rng.integers(0, len(plain), g)]
        cold = np.where(w.employed(cold, day), cold, w.team_manager[w.rep_team[cold]])
        rep = np.where(prospecting, cold, rep)
        a_type = np.where(prospecting, 0, a_type)
        acc = np.where(prospecting, -1, acc)
        opp = np.full(g, -1, dtype=np.int64)

        sel = linked_month == m
        acc = np.concatenate([w.opp_act_acc[sel], acc])
        rep = np.concatenate([w.opp_act_rep[sel], rep])
        ts = np.concatenate([w.opp_act_ts[sel], ts])
        a_type = np.concatenate([w.opp_act_type[sel], a_type])
        opp = np.concatenate([w.opp_act_opp[sel], opp])
        order = np.lexsort((rng.random(len(ts)), ts))
        acc, rep, ts, a_type, opp = acc[order], rep[order], ts[order], a_type[order], opp[order]
        outcomes = np.array(_ACTIVITY_OUTCOMES, dtype=object)
        outcome = outcomes[a_type, rng.integers(0, 3, len(ts))]
        n = len(ts)
        df = pl.DataFrame(
            {
                "activity_id": _ids("ACT", first_number[m] + np.arange(n), 8),
                "rep_id": _ids("REP", rep + 1, 4),
                "account_id": _opt_ids("ACC", np.where(acc >= 0, acc + 1, -1), 7),
                "opportunity_id": _opt_ids("OPP", np.where(opp >= 0, opp + 1, -1), 7),
                "activity_type": _take(ACTIVITY_TYPES, a_type),
                "occurred_at": _timestamps(ts),
                "outcome": _strs(outcome),
            }
        )
        sink.write(df, _rng(w.seed, "activities_bad", m))
    return sink


# ---------------------------------------------------------------------------------------------- quotas


def _round_to(values: np.ndarray, unit: int) -> np.ndarray:
    return (np.round(values / unit) * unit).astype(np.int64)


def _allocate(total: int, weights: np.ndarray, unit: int) -> np.ndarray:
    """Split an integer total in multiples of unit; the largest share absorbs the rounding."""
    if weights.sum() <= 0:
        weights = np.ones_like(weights, dtype=float)
    parts = _round_to(total * weights / weights.sum(), unit)
    parts[int(np.argmax(weights))] += total - parts.sum()
    return parts


def _build_quotas(w: _World) -> tuple[pl.DataFrame, list[dict[str, str]]]:
    rng = _rng(w.seed, "quotas")
    n_teams = len(w.team_region)
    leaf = w.leaf_teams
    carriers = np.flatnonzero(w.rep_role <= 1)
    month_starts = MONTH_START[:-1]
    employed = (w.rep_hire[:, None] <= MONTH_END[None, :]) & (w.rep_term[:, None] >= month_starts[None, :])

    def team_of(rep: np.ndarray) -> np.ndarray:
        return w.rep_team[rep]

    # Actuals by team and month drive plans that are ambitious but reachable (domain §5.2 "够一够").
    team_actual = np.zeros((n_teams, N_MONTHS))
    np.add.at(team_actual, team_of(np.arange(w.n_reps)), w.rev_rep_month)
    company_actual = team_actual[leaf].sum(axis=0)
    fallback = max(1.0, float(company_actual.mean()))
    company = _round_to(np.maximum(company_actual, 0.3 * fallback) * rng.uniform(0.95, 1.15, N_MONTHS), 10_000)

    rep_rev = np.zeros((w.n_reps, N_MONTHS), dtype=np.int64)
    for m in range(N_MONTHS):
        year = slice(12 * (m // 12), 12 * (m // 12) + 12)
        share = np.maximum(team_actual[leaf, year].sum(axis=1), 1.0) * rng.uniform(0.9, 1.1, len(leaf))
        team_q = _allocate(int(company[m]), share, 1000)
        for t, tq in zip(leaf, team_q, strict=True):
            members = carriers[(w.rep_team[carriers] == t) & employed[carriers, m]]
            base = np.maximum(w.rev_rep_month[members, year].sum(axis=1), 0)
            base = base + 0.25 * base.mean() + 1.0
            base = base * np.where(w.rep_role[members] == 1, 0.5, 1.0) * rng.uniform(0.85, 1.15, len(members))
            rep_rev[members, m] = _allocate(int(tq), base, 100)
    rep_coll = _round_to(rep_rev * 0.92, 100)

    rows: list[tuple[int, str, str, str | None, str, float]] = []
    mismatches = [dict(x) for x in QUOTA_MISMATCHES]

    def team_id(t: int) -> str:
        return f"T{t + 1:03d}"

    def add_series(level: str, owner: str | None, metric: str, monthly: np.ndarray, with_periods: bool) -> None:
        for m in range(N_MONTHS):
            rows.append((int(month_starts[m]), "month", level, owner, metric, float(monthly[m])))
        if with_periods:
            for q in range(N_MONTHS // 3):
                rows.append(
                    (int(month_starts[3 * q]), "quarter", level, owner, metric, float(monthly[3 * q : 3 * q + 3].sum()))
                )
            for y in range(N_MONTHS // 12):
                rows.append(
                    (
                        int(month_starts[12 * y]),
                        "year",
                        level,
                        owner,
                        metric,
                        float(monthly[12 * y : 12 * y + 12].sum()),
                    )
                )

    for metric, rep_q in (("revenue", rep_rev), ("collections", rep_coll)):
        leaf_q = {int(t): rep_q[carriers[w.rep_team[carriers] == t]].sum(axis=0) for t in leaf}
        for mm in mismatches:
            if mm["metric"] == metric and mm["level"] == "team":
                t = int(mm["owner_id"][1:]) - 1
                if t in leaf_q:
                    m = int(_month_of_day(np.array([_day(date.fromisoformat(mm["period_start"]))]))[0])
                    leaf_q[t] = leaf_q[t].copy()
                    leaf_q[t][m] = int(round(leaf_q[t][m] * 1.05, -3))
        region_q = {r: sum(leaf_q[int(t)] for t in leaf if w.team_parent[t] == r) for r in (0, 1)}
        company_q = region_q[0] + region_q[1]
        for mm in mismatches:
            if mm["metric"] == metric and mm["level"] == "company":
                m = int(_month_of_day(np.array([_day(date.fromisoformat(mm["period_start"]))]))[0])
                company_q = company_q.copy()
                company_q[m] = int(round(company_q[m] * 1.03, -3))
        add_series("company", None, metric, company_q, True)
        for r in (0, 1):
            add_series("team", team_id(r), metric, region_q[r], True)
        for t in leaf:
            add_series("team", team_id(int(t)), metric, leaf_q[int(t)], True)
        for r in carriers:
            months = np.flatnonzero(employed[r])
            for m in months:
                rows.append((int(month_starts[m]), "month", "rep", f"REP{r + 1:04d}", metric, float(rep_q[r, m])))

    # Team-level activity quotas: new customers and won deals (domain §5.3).
    new_cust = np.zeros((n_teams, N_MONTHS), dtype=np.int64)
    first = w.first_order_month
    had = (first < N_MONTHS) & (w.acc_start > 0)
    np.add.at(new_cust, (w.acc_team[had], first[had]), 1)
    for t in leaf:
        nc = np.maximum(1, np.ceil(new_cust[t] * rng.uniform(0.9, 1.3, N_MONTHS)))
        wd = np.maximum(1, np.ceil(w.opp_won_team_month[t] * rng.uniform(0.9, 1.3, N_MONTHS)))
        for m in range(N_MONTHS):
            rows.append((int(month_starts[m]), "month", "team", team_id(int(t)), "new_customers", float(nc[m])))
            rows.append((int(month_starts[m]), "month", "team", team_id(int(t)), "won_deals", float(wd[m])))

    # Partner agreements carry a quarterly sell-in target (domain §4.2 合作协议 销售目标).
    tier_base = np.array([400_000, 250_000, 120_000, 60_000], dtype=float)
    for p in range(w.n_partners):
        for q in range(N_MONTHS // 3):
            if w.ptr_start_month[p] > 3 * q + 2:
                continue
            actual = w.rev_partner_quarter[p, q]
            base = actual if actual > 0 else tier_base[w.ptr_tier[p]]
            target = int(round(base * rng.uniform(0.9, 1.25), -3))
            rows.append(
                (int(month_starts[3 * q]), "quarter", "partner", f"PTR{p + 1:04d}", "revenue", float(max(target, 1000)))
            )

    df = pl.DataFrame(
        rows,
        schema={
            "period_start": pl.Int64,
            "period_grain": pl.String,
            "level": pl.String,
            "owner_id": pl.String,
            "metric": pl.String,
            "target_value": pl.Float64,
        },
        orient="row",
    ).with_columns(pl.col("period_start").cast(pl.Date))
    return df, mismatches


# ---------------------------------------------------------------------------------------------- entry point


@dataclass(frozen=True)
class GenerationReport:
    landing_dir: Path
    paths: dict[str, Path]  # contract file name -> CSV path
    row_counts: dict[str, int]  # contract file name -> data rows written (bad rows included)
    bad_rows: int
    bad_rows_by_file: dict[str, int]
    bad_rows_path: Path
    manifest_path: Path
    seconds: float


def generate_landing(
    landing_dir: Path, scale: float = 1.0, seed: int = 42, order_lines: int | None = None
) -> GenerationReport:
    """Write the whole contract as CSV under landing_dir; deterministic for (seed, scale, order_lines)."""
    if scale <= 0:
        raise ValueError("scale must be > 0")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    if order_lines is not None and order_lines < 1:
        raise ValueError("order_lines must be >= 1")
    started = time.perf_counter()
    landing = Path(landing_dir)
    landing.mkdir(parents=True, exist_ok=True)
    w = _World(seed=seed, sizes=_sizes(scale, order_lines))
    sinks: dict[str, _CsvSink] = {}

    def write_whole(name: str, df: pl.DataFrame) -> None:
        spec = _BAD_SPECS.get(name)
        sink = _CsvSink(landing, CONTRACT_BY_NAME[name], spec)
        sink.write(df, _rng(seed, f"{name}_bad", 0) if spec else None)
        sink.close()
        sinks[name] = sink

    teams, reps = _build_org(w)
    write_whole("teams", teams)
    write_whole("sales_reps", reps)
    write_whole("channels", _build_channels())
    write_whole("products", _build_products(w))
    write_whole("fx_rates", _build_fx(w))
    partners = _build_partners(w)
    write_whole("partners", partners)
    accounts = _set_partner_account_names(_build_accounts(w), partners, w)
    write_whole("accounts", accounts)
    leads, opportunities, history = _build_funnel(w)
    write_whole("leads", leads)
    write_whole("opportunities", opportunities)
    write_whole("opportunity_stage_history", history)
    del leads, opportunities, history, accounts

    for name, sink in _stream_orders(w, landing).items():
        sink.close()
        sinks[name] = sink
    sell_out, inventory = _channel_stock(w, landing)
    sell_out.close()
    sinks["partner_sell_out"] = sell_out
    write_whole("partner_inventory", inventory)
    activities = _stream_activities(w, landing)
    activities.close()
    sinks["activities"] = activities
    quotas, mismatches = _build_quotas(w)
    write_whole("quotas", quotas)

    bad_path = landing / BAD_ROWS_FILE
    bad_records = [
        (sinks[cf.name].cf.relative_path, row, column, kind)
        for cf in CONTRACT
        for row, column, kind in sorted(sinks[cf.name].bad_rows)
    ]
    pl.DataFrame(
        bad_records,
        schema={"file": pl.String, "row_number": pl.Int64, "column": pl.String, "kind": pl.String},
        orient="row",
    ).write_csv(bad_path)

    row_counts = {cf.name: sinks[cf.name].rows for cf in CONTRACT}
    bad_by_file = {cf.name: len(sinks[cf.name].bad_rows) for cf in CONTRACT}
    kinds_count = {k: sum(1 for r in bad_records if r[3] == k) for k in BAD_ROW_KINDS}
    manifest = {
        "generator": "sample_data.generator",
        "seed": seed,
        "scale": scale,
        "order_lines_requested": order_lines,
        "window": {"start": WINDOW_START.isoformat(), "end": WINDOW_END.isoformat()},
        "base_currency": BASE_CURRENCY,
        "row_counts": {CONTRACT_BY_NAME[k].relative_path: v for k, v in row_counts.items()},
        "bad_rows": {CONTRACT_BY_NAME[k].relative_path: v for k, v in bad_by_file.items() if v},
        "bad_row_kinds": kinds_count,
        "quota_mismatches": mismatches,
        "forward_looking_columns": {
            CONTRACT_BY_NAME[k].relative_path: list(v) for k, v in FORWARD_LOOKING_COLUMNS.items()
        },
    }
    manifest_path = landing / GENERATION_FILE
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return GenerationReport(
        landing_dir=landing,
        paths={cf.name: sinks[cf.name].path for cf in CONTRACT},
        row_counts=row_counts,
        bad_rows=len(bad_records),
        bad_rows_by_file={k: v for k, v in bad_by_file.items() if v},
        bad_rows_path=bad_path,
        manifest_path=manifest_path,
        seconds=time.perf_counter() - started,
    )
