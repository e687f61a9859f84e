"""職能比對 — Streamlit app: paste a posting or upload a résumé, see coverage, evidence and gaps.

Run: ``streamlit run app.py``. Everything runs on this machine: uploads are read in
memory, nothing of a résumé is logged or written to disk, and Streamlit's usage
statistics are switched off in ``.streamlit/config.toml``.
"""

from __future__ import annotations

import csv
import html
import io

import streamlit as st

from matcher.errors import MatcherError
from matcher.report import BASIS_LABELS, STATUS_LABELS, TYPE_LABELS, MatchReport

MODES = {
    "招募方：職缺 × 職能基準": "posting",
    "求職者：履歷 × 職能基準": "resume",
    "履歷 × 職缺（經由職能基準）": "fit",
}
AUTO = "自動推薦（依契合度排序）"
STATUS_COLOURS = {"covered": "#1b7f3b", "partial": "#b7791f", "missing": "#9aa0a6"}
BATCH_MAX_ROWS = 2_000


class WarmingMatcher:
    """The Matcher, its model and index loading in a background thread once the first page is drawn.

    The page needs only the catalogue (read directly); anything else waits for the load to
    finish, and a load error is raised there, where the caller shows it. The load starts after
    the page is drawn because the tokenizer's load holds the GIL for most of a second.
    """

    def __init__(self, matcher):
        import threading

        self.catalog = matcher.catalog
        self._matcher = matcher
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._warm, name="matcher-warm", daemon=True)
        self._lock = threading.Lock()

    def start(self) -> None:
        with self._lock:
            if self._thread.ident is None:
                self._thread.start()

    def _warm(self) -> None:
        try:
            self._matcher.warm()
        except BaseException as exc:  # noqa: BLE001  (shown to the user on first use)
            self._error = exc

    def __getattr__(self, name: str):
        self.start()
        self._thread.join()
        if self._error is not None:
            raise self._error
        return getattr(self._matcher, name)


@st.cache_resource(show_spinner=False)
def get_matcher():
    """One Matcher (model + index) per server process, shared by every session; loads in the background."""
    from matcher.pipeline import Matcher

    return WarmingMatcher(Matcher())


# ---- input --------------------------------------------------------------------------------------------
def text_input_section(label: str, key: str, placeholder: str) -> str | None:
    """A text area plus an upload (TXT/PDF/DOCX); the upload wins when both are given."""
    from matcher.documents import extract_text

    text = st.text_area(label, key=f"{key}_text", height=220, placeholder=placeholder)
    upload = st.file_uploader("或上傳檔案（TXT、PDF、DOCX，5 MB 以內）", type=["txt", "pdf", "docx"], key=f"{key}_file")
    if upload is not None:
        try:
            return extract_text(upload.name, upload.getvalue())
        except MatcherError as exc:
            st.error(f"無法讀取 {upload.name}：{exc}")
            return None
    return text


def standard_section(matcher) -> str:
    codes = matcher.catalog.codes()
    names = {c: f"{c} {matcher.catalog.get(c).name}" for c in codes}
    choice = st.sidebar.selectbox("職能基準", [AUTO, *codes], index=1 if codes else 0,
                                  format_func=lambda c: names.get(c, c), key="standard")
    return choice


# ---- results ------------------------------------------------------------------------------------------
def results_section(report: MatchReport, text: str, who: str) -> None:
    s = report.standard
    c1, c2, c3 = st.columns(3)
    c1.metric("整體契合度（fit）", f"{report.fit:.2f}")
    n = {k: sum(r.status == k for r in report.items) for k in ("covered", "partial", "missing")}
    c2.metric("已涵蓋／部分涵蓋", f"{n['covered']}／{n['partial']}")
    c3.metric("未提及", f"{n['missing']}")
    st.caption(f"{s.name}（{s.code} {s.version}）· 分析 {report.clauses} 句，另有 {report.boilerplate} 句職稱、公司介紹、福利、聯絡資訊等不列入依據")
    for w in report.warnings:
        st.warning(w)
    coverage_section(report)
    ksa_section(report)
    highlight_section(report, text)
    items_table_section(report)
    gaps_section(report, who)
    downloads_section(report)


def coverage_section(report: MatchReport) -> None:
    import altair as alt
    import pandas as pd

    st.subheader("工作任務涵蓋率")
    df = pd.DataFrame({"任務": [f"{t.id} {t.name}" for t in report.tasks], "涵蓋率": [t.coverage for t in report.tasks]})
    chart = (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("涵蓋率:Q", scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format="%")),
            y=alt.Y("任務:N", sort=None, axis=alt.Axis(labelLimit=260, title=None)),
            tooltip=["任務", alt.Tooltip("涵蓋率:Q", format=".0%")],
        )
        .properties(height=40 * len(df) + 30)
    )
    st.altair_chart(chart, width="stretch")
    for d in report.duties:
        st.progress(min(1.0, d.coverage), text=f"{d.id} {d.name}：{d.coverage:.0%}")


def ksa_section(report: MatchReport) -> None:
    st.subheader("知識、技能、態度")
    for kind in ("knowledge", "skill", "attitude"):
        chips = []
        for r in report.items:
            if r.item.type != kind:
                continue
            colour = STATUS_COLOURS[r.status]
            chips.append(
                f'<span class="chip" title="{STATUS_LABELS[r.status]}，分數 {r.score:.2f}" '
                f'style="border:1px solid {colour};color:{colour};border-radius:12px;padding:2px 8px;'
                f'margin:2px;display:inline-block">{r.item.id} {html.escape(r.item.text)}</span>'
            )
        st.markdown(f"**{TYPE_LABELS[kind]}** " + "".join(chips), unsafe_allow_html=True)


def highlighted_html(report: MatchReport, text: str) -> str:
    """The input with every evidence clause marked and labelled with its items."""
    spans: dict[tuple[int, int], list[str]] = {}
    for r in report.items:
        for e in r.evidence:
            spans.setdefault((e.start, e.end), []).append(r.item.id)
    out, pos = [], 0
    for k, ((a, b), ids) in enumerate(sorted(spans.items())):
        if a < pos:
            continue
        out.append(html.escape(text[pos:a]))
        label = " ".join(ids)
        out.append(
            f'<mark id="ev-{k}" class="evidence" title="{label}" style="background:#fff3b0">'
            f"{html.escape(text[a:b])}</mark><sup style='color:#555'>[{label}]</sup>"
        )
        pos = b
    out.append(html.escape(text[pos:]))
    return "<div class='highlighted' style='white-space:pre-wrap;line-height:1.8'>" + "".join(out) + "</div>"


def highlight_section(report: MatchReport, text: str) -> None:
    st.subheader("原文與依據")
    st.markdown(highlighted_html(report, text), unsafe_allow_html=True)


def items_table_section(report: MatchReport) -> None:
    import pandas as pd

    st.subheader("逐項結果")
    rows = [
        {"項目": r.item.id, "類型": TYPE_LABELS[r.item.type], "內容": r.item.text, "狀態": STATUS_LABELS[r.status],
         "分數": round(r.score, 2), "依據": "；".join(e.text for e in r.evidence),
         "依據類型": "、".join(dict.fromkeys(BASIS_LABELS.get(e.basis, e.basis) for e in r.evidence)), "關鍵詞": "、".join(r.terms())}
        for r in report.items
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")


def gaps_section(report: MatchReport, who: str) -> None:
    st.subheader("缺口與建議" if who == "posting" else "可補強的經歷")
    if not report.gaps:
        st.success("所有項目皆已涵蓋。")
    for g in report.gaps:
        head = f"{g.task_id} {g.task_name}" if g.task_id else g.group_name
        with st.expander(f"{head}（{len(g.items)} 項）"):
            st.write(g.advice)
            for r in g.items:
                st.write(f"- {r.item.id} {r.item.text}（{STATUS_LABELS[r.status]}）")


def report_csv(report: MatchReport) -> str:
    buf = io.StringIO()
    rows = report.to_csv_rows()
    w = csv.DictWriter(buf, list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def downloads_section(report: MatchReport) -> None:
    st.subheader("下載報告")
    c1, c2, c3 = st.columns(3)
    c1.download_button("JSON", report.to_json(), "report.json", "application/json", key="dl_json")
    c2.download_button("Markdown", report.to_markdown(), "report.md", "text/markdown", key="dl_md")
    c3.download_button("CSV", report_csv(report).encode("utf-8-sig"), "report.csv", "text/csv", key="dl_csv")


def fit_results_section(fit, resume_text: str) -> None:
    c1, c2, c3 = st.columns(3)
    c1.metric("職缺契合度", f"{fit.posting_fit:.2f}")
    c2.metric("履歷契合度", f"{fit.resume_fit:.2f}")
    c3.metric("履歷涵蓋職缺所需", f"{fit.coverage:.0%}")
    if not fit.items:
        st.info("這份職缺沒有對應到此職能基準的項目。")
        return
    import pandas as pd

    rows = [
        {"項目": f.item.id, "內容": f.item.text, "職缺": STATUS_LABELS[f.posting.status],
         "履歷": STATUS_LABELS[f.resume.status], "履歷依據": "；".join(e.text for e in f.resume.evidence)}
        for f in fit.items
    ]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
    missing = [f for f in fit.items if f.resume.status == "missing"]
    if missing:
        st.subheader("建議在履歷中補充")
        for f in missing:
            st.write(f"- {f.item.id} {f.item.text}")
    st.download_button("下載 JSON", fit.to_json(), "fit.json", "application/json", key="dl_fit")


# ---- tabs -----------------------------------------------------------------------------------------------
def analyse_tab(matcher) -> None:
    mode = MODES[st.sidebar.radio("模式", list(MODES), key="mode")]
    code = standard_section(matcher)
    if mode == "fit":
        c1, c2 = st.columns(2)
        with c1:
            resume = text_input_section("履歷", "resume", "貼上履歷內容…")
        with c2:
            posting = st.text_area("職缺", key="posting_text", height=220, placeholder="貼上職缺內容…")
    else:
        label, ph = ("職缺內容", "貼上職缺（工作內容、條件要求…）") if mode == "posting" else ("履歷內容", "貼上履歷或上傳 PDF／DOCX")
        text = text_input_section(label, "main", ph)
    clicked = st.button("開始分析", type="primary", key="run")
    # an automatic choice stays on screen while the user switches between its top 3
    auto_state = (mode, text if mode != "fit" else posting) if code == AUTO else None
    if not clicked and (auto_state is None or st.session_state.get("auto_for") != auto_state):
        return
    try:
        with st.spinner("分析中…"):
            std = None if code == AUTO else code
            if mode == "fit":
                if not (resume or "").strip() or not (posting or "").strip():
                    st.error("請同時提供履歷與職缺內容。")
                    return
                if std is None:
                    std = auto_choice_section(matcher, posting, auto_state)
                fit_results_section(matcher.fit(resume, posting, standard=std), resume)
                return
            if text is None:
                return
            if std is None:
                std = auto_choice_section(matcher, text, auto_state)
            report = matcher.match(text, standard=std, kind=mode)
        results_section(report, text, mode)
    except MatcherError as exc:
        st.error(f"無法分析：{exc}")


def auto_choice_section(matcher, text: str, state) -> str:
    """The 3 best-fitting standards with their fits; the user may switch to any of them."""
    from matcher.rank import NONE_FIT

    if st.session_state.get("auto_for") != state or "auto_ranked" not in st.session_state:
        ranked = matcher.rank(text, top=3)
        st.session_state["auto_ranked"] = [(r.code, r.name, r.fit, r.partial) for r in ranked]
        st.session_state["auto_for"] = state
        st.session_state.pop("auto_choice", None)
    ranked = st.session_state["auto_ranked"]
    st.info("依契合度推薦：" + "、".join(f"{c} {n}（{f:.2f}）" for c, n, f, _ in ranked))
    if ranked and ranked[0][2] < NONE_FIT:
        st.warning(f"目錄中沒有明顯契合的職能基準（最高契合度 {ranked[0][2]:.2f}）。")
    labels = {c: f"{c} {n}（{f:.2f}{'，部分版本' if p else ''}）" for c, n, f, p in ranked}
    return st.radio("比對的職能基準（可切換）", list(labels), format_func=labels.get, key="auto_choice", horizontal=True)


def catalog_tab(matcher) -> None:
    """Search the catalogue by code or name (or wording of duties and tasks) and browse a standard."""
    query = st.text_input("搜尋職能基準（代碼、名稱或工作內容）", key="catalog_search", placeholder="例如：社群、KMC2431")
    found = matcher.catalog.search(query or "")
    st.caption(f"目錄共 {len(matcher.catalog.codes())} 項職能基準；符合 {len(found)} 項。")
    if not found:
        return
    labels = {s.code: f"{s.code} {s.name}{'（部分版本）' if s.partial else ''}" for s in found}
    code = st.selectbox("職能基準", list(labels), format_func=labels.get, key="catalog_pick")
    std_section(matcher.catalog.get(code))


def std_section(s) -> None:
    st.subheader(f"{s.name}（{s.code} {s.version}）")
    if s.description:
        st.write(s.description)
    if s.partial:
        st.info("部分版本：僅有工作描述、主要職責、工作任務、工作產出與行為指標的文字；沒有知識、技能、態度與級別，"
                "代碼由匯入程式依序編號。")
        if s.import_notes:
            with st.expander(f"匯入時無法確定的結構與文字損傷（{len(s.import_notes)}）"):
                for n in s.import_notes:
                    st.write(f"- {n}")
    for d in s.duties:
        with st.expander(f"{d.id} {d.name}（{len(d.tasks)} 項任務）"):
            for t in d.tasks:
                level = f"（職能級別 {t.level}）" if t.level else ""
                st.markdown(f"**{t.id} {html.escape(t.name)}**{level}")
                for o in t.outputs:
                    st.write(f"- 產出 {o.id} {o.name}")
                for p in t.indicators:
                    st.write(f"- 指標 {p.id} {p.text}")
    for title, group in (("知識", s.knowledge), ("技能", s.skills), ("態度", s.attitudes)):
        if group:
            st.markdown(f"**{title}**：" + "、".join(f"{c.id} {c.name}" for c in group))


def batch_tab(matcher) -> None:
    st.write(f"上傳 CSV 或 XLSX（{BATCH_MAX_ROWS:,} 列以內）。大量資料請用命令列 `matcher batch`。")
    upload = st.file_uploader("資料檔", type=["csv", "xlsx"], key="batch_file")
    if upload is None:
        return
    import pandas as pd  # not before an upload: its import would delay the first page

    from matcher.batch import BatchConfig, score_chunk
    from matcher.batch_io import RowIn

    try:
        data = upload.getvalue()
        if upload.name.lower().endswith(".xlsx"):
            df = pd.read_excel(io.BytesIO(data), dtype=str)
        else:
            from matcher.text import decode_bytes

            df = pd.read_csv(io.StringIO(decode_bytes(data)), dtype=str, keep_default_na=False)
    except (MatcherError, ValueError, pd.errors.ParserError) as exc:
        st.error(f"無法讀取 {upload.name}：{exc}")
        return
    if len(df) > BATCH_MAX_ROWS:
        st.error(f"{upload.name} 有 {len(df):,} 列，超過 {BATCH_MAX_ROWS:,} 列上限；請改用 `matcher batch`。")
        return
    cols = list(df.columns)
    text_cols = st.multiselect("文字欄位（可多選，依序合併）", cols, default=cols[:1], key="batch_text_cols")
    id_col = st.selectbox("編號欄位", ["（列號）", *cols], key="batch_id_col")
    if not st.button("開始批次分析", key="batch_run") or not text_cols:
        return
    cfg = BatchConfig(tuple(text_cols), None if id_col == "（列號）" else id_col, None)
    task_ids = [t.id for t in matcher.standard(None).tasks]
    records = df.fillna("").to_dict("records")
    bar = st.progress(0.0, text="批次分析中…")
    out = []
    step = 32
    for i in range(0, len(records), step):
        rows = [RowIn(i + j, r) for j, r in enumerate(records[i : i + step])]
        out.extend(score_chunk(matcher, rows, cfg, task_ids))
        bar.progress(min(1.0, (i + step) / len(records)), text=f"{min(i + step, len(records))}/{len(records)} 列")
    result = pd.DataFrame(out)
    st.dataframe(result, hide_index=True, width="stretch")
    st.download_button("下載結果 CSV", result.to_csv(index=False).encode("utf-8-sig"), "batch.csv", "text/csv",
                       key="dl_batch")


def main() -> None:
    st.set_page_config(page_title="職能比對", page_icon="🧭", layout="wide")
    st.title("職能比對")
    st.caption("以 iCAP 職能基準逐項比對職缺與履歷：哪些已涵蓋、依據哪一句、還缺什麼。所有分析皆在本機進行。")
    try:
        matcher = get_matcher()
    except MatcherError as exc:
        st.error(f"無法載入模型或職能基準：{exc}")
        return
    analyse, batch, catalog = st.tabs(["分析", "批次", "職能基準目錄"])
    with analyse:
        analyse_tab(matcher)
    with batch:
        batch_tab(matcher)
    with catalog:
        catalog_tab(matcher)
    matcher.start()  # the page is drawn: load the model and index now


main()
