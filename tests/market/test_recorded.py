"""Tests the recorded-file loaders on every bundled data file and on small bad files."""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from solders.pubkey import Pubkey

from soltrader_tui.market import samples
from soltrader_tui.market.recorded import RecordedDataError, detect_format, load, load_all
from soltrader_tui.market.series import (
    WSOL_MINT,
    CandleSeries,
    RecordedSeries,
    TrackSeries,
    replay_mint,
)

SAMPLES = samples.FOLDER
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
"""The full recordings the samples were cut from, when beside the project (for benchmarks)."""
FIXTURES = Path(__file__).resolve().parent / "data"


def utc(text: str) -> int:
    """Unix seconds of a naive UTC ISO time."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


# What SOURCES.md states for each candle file: symbol, interval, rows, first and last open,
# number of gaps, lowest low and highest high. The samples' are checked on every clone; the full
# files' too when ../shared/data is there.
SAMPLE_FACTS = {
    "binance_SOLUSDT_1m_2025-01-19.csv": (
        "SOL", 60, 1_440, "2025-01-19 00:00", "2025-01-19 23:59", 0, 236.68, 295.83
    ),
    "binance_SOL_USDT_5m_2025-01-19.csv": (
        "SOL", 300, 288, "2025-01-19 00:00", "2025-01-19 23:55", 0, 236.68, 295.83
    ),
    "binance_TRUMP_USDT_5m_2025-01-19.csv": (
        "TRUMP", 300, 186, "2025-01-19 08:30", "2025-01-19 23:55", 0, 27.25, 77.24
    ),
    "binance_SOL_USDT_1h_2025-05-19_2025-06-18.csv": (
        "SOL", 3600, 728, "2025-05-19 00:00", "2025-06-18 07:00", 0, 140.21, 187.71
    ),
    "binance_SOL_USDT_1h_2020-12.json": (
        "SOL", 3600, 739, "2020-12-01 00:00", "2020-12-31 23:00", 2, 1.03, 2.23
    ),
}  # fmt: skip
FULL_FACTS = {
    "binance_SOLUSDT_1m_2025-01-01_2025-01-28.csv": (
        "SOL", 60, 40_000, "2025-01-01 00:00", "2025-01-28 18:39", 0, 168.88, 295.83
    ),
    "binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv": (
        "SOL", 300, 48_524, "2025-01-01 00:00", "2025-06-18 11:35", 0, 95.26, 295.83
    ),
    "binance_SOL_USDT_1h_2025-01-01_2025-06-18.csv": (
        "SOL", 3600, 4_040, "2025-01-01 00:00", "2025-06-18 07:00", 0, 95.26, 295.83
    ),
    "binance_SOL_USDT_1h_2020-08-11_2022-10-11.json": (
        "SOL", 3600, 18_970, "2020-08-11 06:00", "2022-10-11 10:00", 9, 1.03, 259.90
    ),
    "binance_TRUMP_USDT_5m_2025-01-19_2025-06-16.csv": (
        "TRUMP", 300, 42_810, "2025-01-19 08:30", "2025-06-16 23:55", 0, 7.14, 77.24
    ),
    "binance_PNUT_USDT_5m_2025-01-01_2025-06-16.csv": (
        "PNUT", 300, 48_096, "2025-01-01 00:00", "2025-06-16 23:55", 0, 0.1183, 0.8053
    ),
    "binance_WIF_USDT_5m_2025-01-01_2025-06-20.csv": (
        "WIF", 300, 48_999, "2025-01-01 00:00", "2025-06-20 03:10", 0, 0.304, 2.224
    ),
}  # fmt: skip
TRACKS = "pumpfun_bonding_curve_tracks_2025-06-06_sample.csv"
FULL_TRACKS = "pumpfun_bonding_curve_tracks_2025-06-06.csv"
FREQTRADE = "binance_SOL_USDT_1h_2020-12.json"
SOL_1M = "binance_SOLUSDT_1m_2025-01-19.csv"
SOL_5M = "binance_SOL_USDT_5m_2025-01-19.csv"
TRUMP_5M = "binance_TRUMP_USDT_5m_2025-01-19.csv"
SOL_1H = "binance_SOL_USDT_1h_2025-05-19_2025-06-18.csv"
CUT_FROM = {
    SOL_1M: "binance_SOLUSDT_1m_2025-01-01_2025-01-28.csv",
    SOL_5M: "binance_SOL_USDT_5m_2025-01-01_2025-06-18.csv",
    TRUMP_5M: "binance_TRUMP_USDT_5m_2025-01-19_2025-06-16.csv",
    SOL_1H: "binance_SOL_USDT_1h_2025-01-01_2025-06-18.csv",
    TRACKS: FULL_TRACKS,
}

# Every folder of recordings at hand: the shipped samples always, the full set when present.
# (Parametrizing over what exists, rather than skipping, keeps a clone free of skips.)
FOLDERS = {"samples": SAMPLES, **({"shared": SHARED} if SHARED.is_dir() else {})}
FACTS = {**SAMPLE_FACTS, **(FULL_FACTS if SHARED.is_dir() else {})}
KNOWN = {"samples": {*SAMPLE_FACTS, TRACKS}, "shared": {*FULL_FACTS, FULL_TRACKS}}


def where(name: str) -> Path:
    """A recording by name, from the samples or the full set."""
    return SAMPLES / name if (SAMPLES / name).is_file() else SHARED / name


def data_files() -> list[str]:
    """Every recording at hand (SOURCES.md aside)."""
    return sorted(
        p.name
        for folder in FOLDERS.values()
        for p in folder.iterdir()
        if p.suffix in {".csv", ".json"}
    )


@functools.cache
def loaded(name: str) -> tuple[RecordedSeries, ...]:
    """A recording's series, loaded once per test session."""
    return tuple(load(where(name)))


def load_one(name: str) -> CandleSeries:
    """A candle file's single series."""
    (series,) = loaded(name)
    assert isinstance(series, CandleSeries)
    return series


class TestEveryBundledFileLoads:
    """Every recorded file shipped for replay loads, with the rows and spans SOURCES.md states."""

    @pytest.mark.parametrize("folder", sorted(FOLDERS))
    def test_every_file_is_known(self, folder: str) -> None:
        found = {p.name for p in FOLDERS[folder].iterdir() if p.suffix in {".csv", ".json"}}
        assert found == KNOWN[folder]
        if folder == "shared":  # the samples were cut from these: every CSV line is one of theirs
            for sample, full in CUT_FROM.items():
                lines = set((SHARED / full).read_text().splitlines())
                assert set((SAMPLES / sample).read_text().splitlines()) <= lines

    def test_samples_are_listed_and_small(self) -> None:
        """Shipped in the package, so a clone replays and tests without ../shared/data."""
        assert samples.names() == sorted(KNOWN["samples"])
        assert (SAMPLES / "SOURCES.md").is_file()
        assert sum((SAMPLES / n).stat().st_size for n in samples.names()) < 500_000
        assert set(samples.DEFAULT) <= set(samples.names())

    @pytest.mark.parametrize("name", data_files())
    def test_loads(self, name: str) -> None:
        series = loaded(name)
        assert series and all(len(s) > 0 for s in series)

    @pytest.mark.parametrize("name", sorted(FACTS))
    def test_candle_file_matches_sources(self, name: str) -> None:
        symbol, interval, rows, first, last, gaps, low, high = FACTS[name]
        series = load_one(name)
        assert series.token.symbol == symbol
        assert series.token.decimals == (9 if symbol == "SOL" else 6)
        assert series.interval_s == interval
        assert len(series) == rows
        assert (series.ts[0], series.ts[-1]) == (utc(first), utc(last))
        assert len(series.gaps()) == gaps
        assert min(series.low) == pytest.approx(low, abs=0.005)
        assert max(series.high) == pytest.approx(high, abs=0.005)
        steps = {b - a for a, b in itertools.pairwise(series.ts)}
        assert all(step % interval == 0 and step > 0 for step in steps)

    def test_one_minute_and_five_minute_candles_agree(self) -> None:
        """The five 1m candles from 00:00 make the 00:00 5m candle exactly (SOURCES.md checks
        2025-01-01 on the full files; the samples' day is 2025-01-19)."""
        one = load_one(SOL_1M).between(utc("2025-01-19 00:00"), utc("2025-01-19 00:05"))
        five = load_one(SOL_5M).candle(0)
        assert len(one) == 5 and five.ts == utc("2025-01-19 00:00")
        assert (one.open[0], max(one.high), min(one.low), one.close[-1]) == (
            five.open,
            five.high,
            five.low,
            five.close,
        )
        assert sum(one.volume) == pytest.approx(five.volume)

    def test_sol_all_time_high_candle(self) -> None:
        series = load_one(SOL_1M)
        top = max(range(len(series)), key=series.high.__getitem__)
        assert series.candle(top).ts == utc("2025-01-19 11:15")

    def test_trump_listing_candle(self) -> None:
        first = load_one(TRUMP_5M).candle(0)
        assert (first.open, first.high) == (27.25, 55.22)


class TestFreqtradeGaps:
    """SOL history keeps its Binance maintenance gaps; none is filled in."""

    def test_gaps_are_kept_not_invented(self) -> None:
        series = load_one(FREQTRADE)
        raw = json.loads((SAMPLES / FREQTRADE).read_text())
        assert list(series.ts) == [row[0] // 1000 for row in raw]
        steps = [(b - a) // 3600 for a, b in itertools.pairwise(series.ts) if b - a > 3600]
        # SOURCES.md: 13:00 → 18:00 on 2020-12-21, and a 2-candle gap on 2020-12-25.
        assert steps == [5, 2]
        starts = {a - 3600: b for a, b in series.gaps()}
        assert starts[utc("2020-12-21 13:00")] == utc("2020-12-21 18:00")
        assert starts[utc("2020-12-25 01:00")] == utc("2020-12-25 03:00")


class TestPumpfunTracks:
    """The pump.fun file becomes one series per mint, under the mints' real addresses."""

    def test_mints_rows_and_span(self) -> None:
        tracks = loaded(TRACKS)
        assert all(isinstance(t, TrackSeries) for t in tracks)
        assert len(tracks) == 46
        assert sum(len(t) for t in tracks) == 878
        assert min(t.ts[0] for t in tracks) == pytest.approx(utc("2025-06-06 16:35:21"), abs=1)
        assert max(t.ts[-1] for t in tracks) == pytest.approx(utc("2025-06-06 18:15:52"), abs=1)
        for t in tracks:
            Pubkey.from_string(t.token.mint)
            assert t.token.decimals == 6 and t.token.symbol == t.token.mint[:6]
            assert all(b > a for a, b in itertools.pairwise(t.ts))

    def test_most_active_token(self) -> None:
        """SOURCES.md: 2qzM9k… went from 30.0 to 37.7 SOL in the pool."""
        (active,) = [t for t in loaded(TRACKS) if t.token.mint.startswith("2qzM9k")]
        assert isinstance(active, TrackSeries)
        assert min(active.sol_in_pool) == pytest.approx(30.0, abs=0.01)
        assert max(active.sol_in_pool) == pytest.approx(37.7, abs=0.01)

    def test_load_all_keeps_file_order(self) -> None:
        loaded = load_all([SAMPLES / FREQTRADE, SAMPLES / TRACKS])
        assert isinstance(loaded[0], CandleSeries) and len(loaded) == 47


class TestFormatFromContent:
    """A file is read by what it contains, whatever its extension says."""

    @pytest.mark.parametrize(
        ("name", "fmt"),
        [
            (SOL_1M, "candles_csv"),
            (SOL_5M, "candles_ms_csv"),
            (FREQTRADE, "freqtrade_json"),
            (TRACKS, "pumpfun_tracks"),
        ],
    )
    def test_detected(self, name: str, fmt: str, tmp_path: Path) -> None:
        renamed = tmp_path / "recording_SOL_USDT.dat"
        shutil.copyfile(SAMPLES / name, renamed)
        assert detect_format(SAMPLES / name) == detect_format(renamed) == fmt
        assert sum(len(s) for s in load(renamed)) == sum(len(s) for s in loaded(name))

    def test_symbol_can_be_given(self) -> None:
        (series,) = load(FIXTURES / "candles_without_symbol.csv", symbol="ABC")
        assert series.token.symbol == "ABC" and len(series) == 2


class TestTokens:
    """Replayed tokens get stable mints: wrapped SOL for SOL, a derived key for others."""

    def test_sol_is_wrapped_sol(self) -> None:
        assert replay_mint("SOL") == WSOL_MINT

    @pytest.mark.parametrize("symbol", ["TRUMP", "PNUT", "WIF"])
    def test_derived(self, symbol: str) -> None:
        digest = hashlib.sha256(b"soltrader-replay:" + symbol.encode()).digest()
        assert replay_mint(symbol) == str(Pubkey(digest))
        assert Pubkey.from_string(replay_mint(symbol)) == Pubkey(digest)


BAD_FILES = [
    ("binance_BAD_USDT_1m_close.csv", ":4: column 'close': 'abc' is not a number"),
    ("binance_BAD_USDT_1m_nan.csv", ":3: column 'low': 'nan' is not a finite number"),
    ("binance_BAD_USDT_1m_order.csv", ":4: column 'timestamp': open time 2025-01-01T00:00:00Z"),
    ("binance_BAD_USDT_1m_offgrid.csv", ":5: column 'timestamp': open time 2025-01-01T00:02:30Z"),
    ("binance_BAD_USDT_5m_short_row.csv", ":3: column 'volume': missing"),
    ("binance_BAD_USDT_5m_high.csv", ":5: column 'high': 1.13 is below close 1.14"),
    ("binance_BAD_USDT_5m_datetime.csv", ":3: column 'datetime_utc': '2025-01-01T00:06:00Z'"),
    ("BAD_USDT-1h-close.json", ":4: column 'close': 'abc' is not a number"),
    ("BAD_USDT-1h-volume.json", ":1: column 'volume': -5.0 is negative"),
    ("BAD_USDT-1h-short.json", ":2: column 'close': missing"),
    ("pumpfun_bad_sol_in_pool.csv", ":3: column 'sol_in_pool': 'x' is not a number"),
    ("pumpfun_bad_mint.csv", ":3: column 'mint': '0OIl-not-a-mint' is not a base58 mint"),
    ("pumpfun_bad_timestamp.csv", ":4: column 'timestamp': 'yesterday' is not an ISO"),
    ("pumpfun_bad_order.csv", ":4: column 'timestamp': 2025-06-06T16:35:11.000000+00:00 is not"),
    ("unknown_header.csv", ":1: unrecognised header 'time,price'"),
]


class TestBadFiles:
    """A bad file is refused with its name, the line and the column at fault."""

    @pytest.mark.parametrize(("name", "where"), BAD_FILES)
    def test_names_file_line_and_column(self, name: str, where: str) -> None:
        with pytest.raises(RecordedDataError) as caught:
            load(FIXTURES / name)
        assert str(caught.value).startswith(name + where)

    def test_every_fixture_is_exercised(self) -> None:
        tested = {name for name, _ in BAD_FILES}
        other = {"binance_BAD_USDT_5m_wrong_timeframe.csv", "candles_without_symbol.csv"}
        assert {p.name for p in FIXTURES.iterdir()} == tested | other

    def test_name_and_data_disagree_on_timeframe(self) -> None:
        with pytest.raises(RecordedDataError, match="says 300 s candles but they are 60 s apart"):
            load(FIXTURES / "binance_BAD_USDT_5m_wrong_timeframe.csv")

    def test_no_symbol(self) -> None:
        with pytest.raises(RecordedDataError, match="cannot tell the token from the file name"):
            load(FIXTURES / "candles_without_symbol.csv")


_price = st.floats(0.0001, 1e6, allow_nan=False, allow_infinity=False)
_candle = st.tuples(_price, _price, _price, _price, st.floats(0, 1e9)).map(
    lambda v: (v[0], max(v[:4]), min(v[:4]), v[3], v[4])
)


class TestRoundTrip:
    """Whatever valid candles are written, in any of the three layouts, they load back exactly."""

    @settings(max_examples=40, deadline=None)
    @given(
        candles=st.lists(_candle, min_size=3, max_size=20),
        layout=st.sampled_from(["candles_csv", "candles_ms_csv", "freqtrade_json"]),
        gap_at=st.integers(1, 19),
    )
    def test_round_trip(self, candles: list[tuple[float, ...]], layout: str, gap_at: int) -> None:
        start = utc("2025-03-01 00:00")
        # Three missing candles before candle `gap_at`, when that is inside the list.
        ts = [start + 60 * (i + (3 if i >= gap_at else 0)) for i in range(len(candles))]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "binance_RND_USDT_1m_test.txt"
            _write(path, layout, ts, candles)
            assert detect_format(path) == layout
            (series,) = load(path)
        assert isinstance(series, CandleSeries)
        assert series.interval_s == 60 and list(series.ts) == ts
        columns = (series.open, series.high, series.low, series.close, series.volume)
        assert list(zip(*columns, strict=True)) == [tuple(c) for c in candles]
        assert len(series.gaps()) == (1 if gap_at < len(candles) else 0)


def _write(path: Path, layout: str, ts: list[int], candles: list[tuple[float, ...]]) -> None:
    if layout == "freqtrade_json":
        path.write_text(json.dumps([[t * 1000, *c] for t, c in zip(ts, candles, strict=True)]))
        return
    lines = ["timestamp,open,high,low,close,volume"]
    if layout == "candles_ms_csv":
        lines = ["timestamp_ms,datetime_utc,open,high,low,close,volume"]
    for t, c in zip(ts, candles, strict=True):
        moment = datetime.fromtimestamp(t, UTC)
        stamp = (
            f"{t * 1000},{moment:%Y-%m-%dT%H:%M:%SZ}"
            if layout == "candles_ms_csv"
            else f"{moment:%Y-%m-%d %H:%M:%S}"
        )
        lines.append(",".join([stamp, *map(repr, c)]))
    path.write_text("\n".join(lines) + "\n")
