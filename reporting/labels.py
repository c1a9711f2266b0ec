"""Every word the report shows that is not data: one vocabulary, key -> (English, Chinese).

Names that come with the data (stage names, segment names, channel types, tier names) are read from the
marts and dimensions in both languages; this module holds the report's own words. The Chinese terms follow
``domain.md`` (e.g. 赢单率, 回款, 账龄, 达成率)."""

from __future__ import annotations

LANGS = ("en", "zh")

LABELS: dict[str, tuple[str, str]] = {
    # page
    "report_title": ("Sales operations report", "销售运营报告"),
    "as_of_date": ("As-of date", "数据截止日期"),
    "base_currency": ("Base currency", "本位币"),
    "published_at": ("Published (UTC)", "发布时间 (UTC)"),
    "run_id": ("Pipeline run", "运行编号"),
    "source_mart": ("Source", "数据来源"),
    "contents": ("Contents", "目录"),
    "unknown": ("unknown", "未知"),
    # no-data panels
    "no_data": ("No data", "无数据"),
    "no_input_reason": ("its inputs had no rows: {inputs}", "输入文件没有数据行:{inputs}"),
    "no_rows_reason": (
        "the mart was built from its inputs but holds no rows for this view",
        "数据集已由输入生成,但此视图没有数据行",
    ),
    "coverage_unknown_reason": ("no coverage record for this mart", "没有该数据集的覆盖记录"),
    "missing_table_reason": ("the table is not in the serving file", "服务库中没有该表"),
    # sections: titles
    "sec_funnel": ("Sales funnel by stage", "销售漏斗(各阶段)"),
    "sec_stage_win_rate": ("Stage win rates", "阶段赢率"),
    "sec_win_rate_rep": ("Win rate by rep", "销售代表赢单率"),
    "sec_sales_cycle": ("Sales-cycle distribution", "销售周期分布"),
    "sec_pipeline_coverage": ("Pipeline coverage", "管道覆盖率"),
    "sec_forecast": ("Forecast vs actual", "销售预测与实际"),
    "sec_rfm_segments": ("RFM segment sizes", "RFM 客户分群规模"),
    "sec_rfm_heatmap": ("RFM: recency × frequency", "RFM:最近消费 × 消费频率"),
    "sec_segment_migration": ("Segment migration", "客户分群迁移"),
    "sec_pareto": ("80/20 (Pareto) curve", "二八法则(帕累托)曲线"),
    "sec_channel_contribution": ("Channel contribution", "渠道贡献"),
    "sec_partner_scorecard": ("Partner scorecard", "渠道商评分卡"),
    "sec_rebate_tiers": ("Rebate tiers", "返利阶梯"),
    "sec_quota_attainment": ("Quota attainment by rep", "销售代表目标达成率"),
    "sec_receivables_aging": ("Receivables aging", "应收账款账龄"),
    "sec_dso_trend": ("DSO trend", "应收账款周转天数 (DSO) 趋势"),
    "sec_dq_checks": ("Data-quality checks", "数据质量检查"),
    "sec_dq_coverage": ("Mart coverage", "数据集覆盖"),
    # sections: what each chart shows
    "desc_funnel": (
        "Deals that reached each stage (count and amount), all cohort months to the as-of date; the label gives "
        "the stage-to-stage conversion (advanced ÷ entered).",
        "各阶段到达的机会数量与预期金额(截至数据截止日期的全部批次月份);标签为阶段转化率(推进数 ÷ 进入数)。",
    ),
    "desc_stage_win_rate": (
        "Historical win rate of the deals that reached each open stage (company), in the trailing window and "
        "all time, beside the stage's default probability.",
        "到达各阶段的已结束机会的历史赢率(公司层面),近期窗口与全部历史,并列阶段默认概率。",
    ),
    "desc_win_rate_rep": (
        "Won ÷ (won + lost) of each rep's deals closed in all months to the as-of date.",
        "各销售代表截至数据截止日期已结束机会的赢单率 = 赢单 ÷ (赢单 + 输单)。",
    ),
    "desc_sales_cycle": (
        "Days from creation to signing (签单周期) and to full collection (销售周期) of the won deals.",
        "已赢单机会从创建到签约(签单周期)及到全部回款(销售周期)的天数分布。",
    ),
    "desc_pipeline_coverage": (
        "Company pipeline expected to close in the month ÷ the remaining revenue quota, and at the month start.",
        "公司层面:预计当月成交的管道金额 ÷ 剩余销售目标,以及月初覆盖率。",
    ),
    "desc_forecast": (
        "Weighted forecast made the day before each month beside the deals actually won in it.",
        "每月开始前一日的加权预测金额与当月实际赢单金额对比。",
    ),
    "desc_rfm_segments": (
        "Customers in each RFM segment on the as-of date, best segment first.",
        "数据截止日期各 RFM 分群的客户数,按分群优劣排序。",
    ),
    "desc_rfm_heatmap": (
        "Customers by recency score (rows) and frequency score (columns), 5 = best.",
        "按最近消费得分(行)与消费频率得分(列)统计的客户数,5 分最佳。",
    ),
    "desc_segment_migration": (
        "Customers per month that entered, moved up, moved down or stayed in their RFM segment.",
        "每月新进入、分群上升、下降或保持不变的客户数。",
    ),
    "desc_pareto": (
        "Cumulative share of revenue against the cumulative share of customers (trailing window), with the "
        "80/20 reference.",
        "近期窗口内客户累计占比与销售额累计占比曲线,并标出二八参考线。",
    ),
    "desc_channel_contribution": (
        "Monthly revenue by channel type (贡献度).",
        "各渠道类型的月度销售额(贡献度)。",
    ),
    "desc_partner_scorecard": (
        "Composite score (0-100) of each partner in the latest quarter, coloured by suggested tier, with the "
        "tier thresholds.",
        "最近一个季度各渠道商综合得分(0-100),按建议等级着色,并标出等级门槛。",
    ),
    "desc_rebate_tiers": (
        "Partner-quarters in each rebate band and the incentives they earned (rebate + sprint bonus).",
        "各返利档位的渠道商季度数及其激励金额(返利 + 冲刺奖金)。",
    ),
    "desc_quota_attainment": (
        "Revenue attainment of each rep in the latest period, coloured by attainment band, with the band edges.",
        "最近一期各销售代表销售额目标达成率,按达成区间着色,并标出区间边界。",
    ),
    "desc_receivables_aging": (
        "Open receivables on the as-of date by days past due (the part not yet due apart), for customer accounts "
        "and channel partners.",
        "数据截止日期未收应收账款按逾期天数分布(未到期部分单列;客户与渠道商)。",
    ),
    "desc_dso_trend": (
        "Company days sales outstanding per month.",
        "公司每月应收账款周转天数。",
    ),
    "desc_dq_checks": (
        "Checks of the published run by layer and outcome; failing checks are listed below the chart.",
        "本次发布运行的各层检查结果;未通过的检查列在图下方。",
    ),
    "desc_dq_coverage": (
        "Marts per domain built from their inputs or left empty because an input had no rows.",
        "各领域数据集:由输入生成,或因输入无数据而为空。",
    ),
    # axes, traces, legends
    "stage": ("Stage", "阶段"),
    "deals": ("Deals", "机会数"),
    "amount": ("Amount", "金额"),
    "deal_count": ("Deal count", "机会数量"),
    "deal_amount": ("Deal amount", "机会金额"),
    "conversion": ("conversion", "转化率"),
    "win_rate": ("Win rate", "赢单率"),
    "trailing_window": ("Trailing window", "近期窗口"),
    "all_time": ("All time", "全部历史"),
    "default_probability": ("Default probability", "默认概率"),
    "rep": ("Rep", "销售代表"),
    "closed_deals": ("closed deals", "已结束机会"),
    "days": ("Days", "天数"),
    "signing_cycle": ("Signing cycle (created → won)", "签单周期(创建 → 签约)"),
    "sales_cycle": ("Sales cycle (created → collected)", "销售周期(创建 → 回款)"),
    "month": ("Month", "月份"),
    "coverage": ("Coverage", "覆盖率"),
    "pipeline_coverage": ("Coverage of the remaining quota", "剩余目标覆盖率"),
    "period_start_coverage": ("Coverage at the month start", "月初覆盖率"),
    "weighted_forecast": ("Weighted forecast", "加权预测"),
    "actual_won": ("Actual won", "实际赢单"),
    "customers": ("Customers", "客户数"),
    "segment": ("Segment", "分群"),
    "recency_score": ("Recency score (R)", "最近消费得分 (R)"),
    "frequency_score": ("Frequency score (F)", "消费频率得分 (F)"),
    "move_entered": ("Entered", "新进入"),
    "move_up": ("Moved up", "上升"),
    "move_down": ("Moved down", "下降"),
    "move_same": ("Same", "不变"),
    "customer_share": ("Share of customers", "客户累计占比"),
    "revenue_share": ("Share of revenue", "销售额累计占比"),
    "pareto_curve": ("Cumulative revenue", "累计销售额"),
    "top_share_reference": ("Top {top} of customers", "前 {top} 客户"),
    "revenue_reference": ("{share} of revenue", "{share} 销售额"),
    "revenue": ("Revenue", "销售额"),
    "partner": ("Partner", "渠道商"),
    "composite_score": ("Composite score", "综合得分"),
    "tier_threshold": ("{tier} ≥ {score}", "{tier} ≥ {score}"),
    "rebate_band": ("Rebate band", "返利档位"),
    "partner_quarters": ("Partner-quarters", "渠道商季度数"),
    "incentive_total": ("Incentives", "激励金额"),
    "no_target": ("no target", "无目标"),
    "attainment": ("Attainment", "达成率"),
    "band_edge": ("band edge {edge}", "区间边界 {edge}"),
    "period": ("Period", "期间"),
    "days_past_due": ("Days past due", "逾期天数"),
    "bucket_range": ("{low}-{high} days", "{low}-{high} 天"),
    "bucket_over": ("over {low} days", "超过 {low} 天"),
    "not_yet_due": ("not yet due", "未到期"),
    "open_receivable": ("Open receivable", "未收应收账款"),
    "level_account": ("Customer accounts", "客户"),
    "level_partner": ("Channel partners", "渠道商"),
    "dso_days": ("DSO (days)", "DSO(天)"),
    "layer": ("Layer", "层"),
    "checks": ("Checks", "检查数"),
    "status_pass": ("passed", "通过"),
    "status_fail": ("failed", "未通过"),
    "status_error": ("could not run", "无法执行"),
    "status_skipped": ("skipped", "跳过"),
    "failing_checks": ("Failing checks", "未通过的检查"),
    "no_failing_checks": ("Every check of the run passed.", "本次运行所有检查均通过。"),
    "check": ("Check", "检查"),
    "asset": ("Table", "表"),
    "severity": ("Severity", "严重级别"),
    "failing_rows": ("Failing rows", "不合格行数"),
    "observed": ("Observed", "观测值"),
    "quarantine_note": (
        "Quarantined rows are kept in the working warehouse (audit.load_ledger, audit.quarantined_rows) and "
        "are not published to the serving file; `salesops summary` lists them by file and reason.",
        "隔离行保存在工作仓库(audit.load_ledger、audit.quarantined_rows),不发布到服务库;"
        "`salesops summary` 按文件和原因列出。",
    ),
    "domain": ("Domain", "领域"),
    "marts": ("Marts", "数据集"),
    "built": ("built from its inputs", "由输入生成"),
    "no_input": ("no input", "无输入"),
    "marts_without_input": ("Marts without inputs", "无输入的数据集"),
    "all_marts_have_input": ("Every mart was built from its inputs.", "所有数据集均由输入生成。"),
}


def check_lang(lang: str) -> str:
    """``lang`` if the report speaks it, else a ValueError naming the choices."""
    if lang not in LANGS:
        raise ValueError(f"lang must be one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def label(key: str, lang: str, **values: object) -> str:
    """The report's word for ``key`` in ``lang``, with ``{placeholders}`` filled from ``values``."""
    text = LABELS[key][LANGS.index(check_lang(lang))]
    return text.format(**values) if values else text
