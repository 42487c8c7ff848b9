"""Volume surge against a seasonal baseline.

**Baseline.** A small race of forecasters, each a seasonal profile (the usual value at each
phase: 5-minute slot of the day, hour of the week …) plus a correction (the recent gap between
the series and its profile): a flat one (no rhythm, the recent level), a daily one and, when the
step allows, a weekly one. Each keeps a running absolute error and the best one forecasts, so a
series with no rhythm is not forced into one and a trend is followed by the correction.

**Views.** An observation is judged five ways, each a *surprise* (``-log10`` of a tail
probability, so 5 means one chance in 100,000):

- *point*: how far the value is from the forecast, under the forecast's error model (Gaussian
  tail of the robust z-score; Poisson / negative-binomial tail for counts: 4 posts where 0.5 are
  expected is a 1-in-570 event, not the 1-in-3-million a z-score would claim);
- *short*: the recent average of point surprises (a burst of moderately unusual buckets);
- *drift*: the recent average of z-scores (a moderate shift that lasts);
- *range*: how extreme the value is among all the values the series has taken;
- *context*: how unpredictable the recent values were given the ones before them (a sequence
  memory of quantised values, :mod:`tocsin.detect._context`): a change of *pattern* made of
  ordinary values, such as spikes coming more often or a rhythm broken.

Every view is then *calibrated* on the series' own history: its surprise becomes how rarely the
history produced a view value that high (empirical tail, extrapolated by an exponential beyond
the top 2 %). A spiky series thus stops alarming on its usual spikes, a calm one alarms early.
A value seen at this time of day on earlier days (``recurrence_min`` of the last
``recurrence_days``; an earlier value counts if it was ``recurrence_ratio`` as far from the
median, since daily peaks vary in height) is a rhythm, not news: its point and range views are
silenced (within ``recurrence_tolerance`` of this time of day; within ``spike_tolerance`` for a
spike, a value extreme among all values, whose time jitters from day to day).

**Ringing.** The largest view, the *surprise*, decides what is learned (below). What may ring,
the *alarm*, is narrower: on measurements the short view protects the baseline but does not
ring by itself (``short_rings``; there it mostly rang at noise, while on counts it hears a
crisis building: a hashtag's burst of moderately unusual hours); a recurring value silences
the drift view's ring too (a rhythm the forecast misses shows in its recent errors); and a
measurement (not a count) whose gap to the forecast is under ``min_visible`` of the range of
values the series has shown does not ring (a blip of 0.02 in a series spanning 0 to 100). The
score is the alarm ``s`` mapped to ``s / (s + surprise_half)`` in ``[0, 1)``.

**Protection.** A point whose surprise passes ``protect`` is not learned: forecasts, error
scale, calibration and range stay as they were, so a surge that lasts is still a surge on its
last bucket. Two exceptions keep the detector honest: the first ``calibrate_anomalies`` point of
each anomalous run enters the calibration (isolated spikes that keep coming become ordinary),
and after ``rebaseline_after`` anomalous buckets in a row the new *level* is accepted (the daily
and weekly rhythm is never learned from an anomaly).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from tocsin.detect._base import AssessThenLearn, DetectError, Instant, epoch_seconds
from tocsin.detect._context import ContextMemory
from tocsin.detect._season import DAY, WEEK, Clock, DayMemory, Season, seasons_for
from tocsin.detect._stats import SortedWindow, alpha_for, is_count, tail_surprise
from tocsin.detect._tails import count_surprise, normal_surprise

Direction = Literal["up", "down", "both"]
_SIGMA_PER_MAD = math.sqrt(math.pi / 2.0)  # E|e| = sigma * sqrt(2/pi) for Gaussian errors
_Z_CLIP = 4.0  # z-scores are clipped at this in the drift average


@dataclass(frozen=True)
class VolumeConfig:
    """Settings of :class:`VolumeSurgeDetector`. Halflives and counts of buckets are in steps."""

    direction: Direction = "up"  # surges; "both" also reports drops
    counts: bool | None = None  # None: count tails while every value seen is a whole number >= 0
    timezone: str = "UTC"  # wall clock of the daily and weekly rhythm
    # Baseline
    level_halflife: float = 6.0
    season_halflife: float = 3.0  # in visits of a phase (days for the daily rhythm)
    error_halflife: float = 48.0
    min_visits: int = 2  # a rhythm forecasts a phase once it has seen it this many times
    season_margin: float = 0.97  # a rhythm takes over once its RMS error is 3 % lower
    race_clip: float = 4.0  # in the race, an error counts for at most this many scales
    min_relative_scale: float = 1e-3  # error scale floor, relative to the forecast
    warmup: int | None = None  # learned buckets before any score; None: a day, 24 to 144
    # Protection
    protect: float = 3.0  # surprise above which a bucket is anomalous, not learned (1 in 1,000)
    rebaseline_after: int | None = 72  # anomalous buckets in a row before a new level is accepted
    calibrate_anomalies: int = 1  # first buckets of each anomalous run the calibration learns
    # Views
    short_halflife: float = 4.0
    short_cap: float = 8.0  # point surprises are capped at this in the short average
    short_gain: float = 3.0  # the short view is at most this times the short average
    drift_halflife: float = 8.0
    calibration_window: int | None = None  # None: 12 weeks of buckets, 1,000 to 25,000
    tail: float = 0.02  # share of the calibration fitted by an exponential tail
    min_history: int = 100  # calibrated buckets before the short, drift and range views speak
    recurrence_days: int = 7  # days remembered by time of day (0: off)
    recurrence_tolerance: float = 600.0  # seconds either side (at least one bucket)
    recurrence_min: int = 2  # earlier days with a value as extreme that make it a rhythm
    recurrence_ratio: float = 0.9  # "as extreme": this share of the value's distance to the median
    spike_tolerance: float = 1800.0  # seconds either side for a spike (range view > protect)
    context: bool = True  # the sequence view (which level usually follows the last ones)
    context_levels: int = 4  # quantile levels a value is cut into
    context_order: int = 5  # longest context, in buckets
    context_support: int = 2  # times a context must have been followed to predict from it
    context_halflife: float = 8.0  # average of the sequence loss
    context_history: int = 1000  # calibrated buckets before the sequence view speaks
    # Score
    short_rings: bool | None = None  # None: for counts only (else it only protects)
    min_visible: float = 0.05  # measurements: a gap to the forecast under this share of the
    # range of values seen does not ring (0: off); counts have their own small-number tails
    surprise_half: float = 5.0  # surprise that scores 0.5
    alert_score: float = 0.4  # surprise 3.3: about 1 in 2,000

    def __post_init__(self) -> None:
        if self.direction not in ("up", "down", "both"):
            raise DetectError(f"direction must be up, down or both, not {self.direction!r}")
        for name in (
            "level_halflife",
            "season_halflife",
            "error_halflife",
            "short_halflife",
            "drift_halflife",
            "context_halflife",
            "surprise_half",
        ):
            if not getattr(self, name) > 0:
                raise DetectError(f"{name} must be positive")
        if not 0.0 < self.recurrence_ratio <= 1.0:
            raise DetectError("recurrence_ratio must be in (0, 1]")
        if not 0.0 <= self.min_visible < 1.0:
            raise DetectError("min_visible must be in [0, 1)")
        if not 0.0 < self.alert_score < 1.0:
            raise DetectError("alert_score must be between 0 and 1")
        if self.rebaseline_after is not None and self.rebaseline_after < 1:
            raise DetectError("rebaseline_after must be at least 1 (or None: never)")


@dataclass
class _Forecaster:
    """A seasonal profile (the usual value at each phase, learned per phase) plus a correction
    (the recent gap between the series and its profile). Without a season the profile is zero
    and the correction is the recent level.

    Two error trackers: ``mean_abs_error`` (normal points only) is the scale of the residuals;
    ``race_error`` (squared, every point, clipped) ranks the forecasters. Squared, so that at
    small counts the mean wins, not the median (often 0); on every point, so that a rhythm
    forecasting spikes that do not come is seen failing even when its failures are anomalies.
    """

    season: Season | None
    level_alpha: float
    season_alpha: float
    error_alpha: float
    min_visits: int
    name: str = "flat"
    correction: float = 0.0
    n: int = 0
    profile: list[float] = field(default_factory=list)
    visits: list[int] = field(default_factory=list)
    mean_abs_error: float = 0.0
    errors_seen: int = 0
    race_error: float = 0.0
    raced: int = 0

    def __post_init__(self) -> None:
        if not self.profile:
            phases = self.season.phases if self.season else 1
            self.profile = [0.0] * phases
            self.visits = [0] * phases

    def ready(self, phase: int) -> bool:
        if self.season is None:
            return self.n > 0
        return self.visits[phase] >= self.min_visits

    def forecast(self, phase: int) -> float:
        return self.profile[phase] + self.correction

    def uncertainty(self, phase: int) -> float:
        """Factor on the error scale for a profile learned from few visits: a mean of ``v``
        noisy values is itself off by ``1/sqrt(v)`` of their spread (at most 8 effective)."""
        if self.season is None:
            return 1.0
        v = min(self.visits[phase], 8)
        return math.sqrt(1.0 + 1.0 / v) if v > 0 else 1.0

    def race(self, phase: int, x: float, clip: float) -> None:
        if self.ready(phase):
            e = min(abs(x - self.forecast(phase)), clip) ** 2
            self.raced += 1
            self.race_error += max(1.0 / self.raced, self.error_alpha) * (e - self.race_error)

    def seed(self, phase: int, x: float) -> None:
        """Learn a phase the rhythm cannot forecast yet, even from an anomalous point: a rhythm
        must see each phase ``min_visits`` times before it can judge one."""
        if self.season is not None and not self.ready(phase):
            self.visits[phase] += 1
            self.profile[phase] += (x - self.profile[phase]) / self.visits[phase]

    def learn(self, phase: int, x: float, rhythm: bool = True) -> None:
        """Learn a normal point; ``rhythm=False`` (a new level being accepted) moves the level
        and the error scale but leaves the seasonal profile as it was."""
        if self.ready(phase):
            e = abs(x - self.forecast(phase))
            self.errors_seen += 1
            self.mean_abs_error += max(1.0 / self.errors_seen, self.error_alpha) * (
                e - self.mean_abs_error
            )
        self.n += 1
        if self.season is None:
            self.correction += max(1.0 / self.n, self.level_alpha) * (x - self.correction)
            return
        if self.visits[phase] > 0:
            self.correction += self.level_alpha * (x - self.profile[phase] - self.correction)
        if rhythm:
            self.visits[phase] += 1
            self.profile[phase] += max(1.0 / self.visits[phase], self.season_alpha) * (
                x - self.profile[phase]
            )


@dataclass(frozen=True)
class Assessment:
    """What the detector makes of one bucket: the numbers behind the score, for explanations."""

    expected: float  # the baseline's forecast
    scale: float  # typical size of its error (Poisson-aware for counts)
    z: float  # (value - expected) / scale
    model: str  # which forecaster won the race: flat, daily or weekly
    raw: float  # point surprise under the forecast's own error model, negative below it
    point: float  # calibrated surprises of the four views
    short: float
    drift: float
    range: float
    recurring: bool  # seen at this time of day on earlier days: point, range and drift's ring off
    surprise: float  # the largest view: above ``protect``, the bucket is not learned
    score: float  # alarm / (alarm + surprise_half)
    short_mean: float  # running averages after this bucket (state the detector keeps)
    drift_mean: float
    context: float = 0.0  # calibrated surprise of the sequence view
    context_mean: float = 0.0  # running average of the sequence loss after this bucket
    alarm: float = 0.0  # the largest view that may ring (see the module's "Ringing")

    @property
    def view(self) -> str:
        """The view the alarm comes from (point, range, drift, short or context), to say why a
        bucket rang: one odd bucket, an extreme value, a lasting shift, a burst, a new pattern;
        "" when no view gives the alarm (nothing surprising, or a gap too small to see)."""
        views = (
            ("point", self.point),
            ("range", self.range),
            ("drift", self.drift),
            ("short", self.short),
            ("context", self.context),
        )
        return next((name for name, v in views if self.alarm > 0.0 and v == self.alarm), "")


class VolumeSurgeDetector(AssessThenLearn):
    """Surges (and, with ``direction``, drops) of a regular series against its seasonal
    baseline. ``step`` is the bucket width, in seconds or as a ``timedelta``; it decides which
    rhythms exist (daily below 12 hours, weekly up to a day).

        detector = VolumeSurgeDetector(timedelta(hours=1))
        for bucket_start, mentions in stream:
            score = detector.update(bucket_start, mentions)   # learns unless anomalous
            if detector.alert(score): ...
    """

    def __init__(self, step: float | timedelta, config: VolumeConfig | None = None) -> None:
        step = step.total_seconds() if isinstance(step, timedelta) else float(step)
        if not step > 0:
            raise DetectError("step must be positive")
        self.step = step
        self.config = config = config or VolumeConfig()
        self.clock = Clock(config.timezone)
        seasons = seasons_for(step)
        la, sa, ea = (
            alpha_for(config.level_halflife),
            alpha_for(config.season_halflife),
            alpha_for(config.error_halflife),
        )
        # The race, in order of preference: flat, daily, weekly.
        self.models = [_Forecaster(None, la, sa, ea, config.min_visits)]
        for season in seasons:
            name = "daily" if season.period == DAY else "weekly"
            self.models.append(_Forecaster(season, la, sa, ea, config.min_visits, name))
        if config.warmup is not None:
            self.warmup = config.warmup
        else:
            self.warmup = min(144, max(24, round(DAY / step))) if seasons else 24
        size = config.calibration_window or min(25_000, max(1_000, round(12 * WEEK / step)))
        self.point_calibration = SortedWindow(size)  # signed raw point surprises
        self.short_calibration = SortedWindow(size)
        self.drift_calibration = SortedWindow(size)
        self.values = SortedWindow(size)
        self.context = (
            ContextMemory(config.context_levels, config.context_order, config.context_support)
            if config.context
            else None
        )
        self.context_calibration = SortedWindow(size)
        self.context_alpha = alpha_for(config.context_halflife)
        self.context_mean = 0.0
        daily = next((s for s in seasons if s.period == DAY), None)
        self.day_memory = (
            DayMemory(
                daily, config.recurrence_days, max(1, round(config.recurrence_tolerance / step))
            )
            if daily is not None and config.recurrence_days > 0
            else None
        )
        self.short_alpha = alpha_for(config.short_halflife)
        self.drift_alpha = alpha_for(config.drift_halflife)
        self.short_mean = 0.0
        self.drift_mean = 0.0
        self.learned = 0
        self.anomalous_run = 0
        self.all_counts = True
        self.quantum = 0.0  # smallest change between learned values: the data's resolution
        self.last_learned: float | None = None

    # -- reading -------------------------------------------------------------------------------
    @property
    def ringing(self) -> float:
        """The surprise whose score is the alert level (3.3 by default); derived from the
        config, not kept in the pickled state."""
        cfg = self.config
        return cfg.surprise_half * cfg.alert_score / (1.0 - cfg.alert_score)

    def _phases(self, seconds: float) -> list[int]:
        local = self.clock.local(seconds)
        return [m.season.phase(local) if m.season else 0 for m in self.models]

    def _best(self, phases: list[int]) -> int:
        best = 0
        for k in range(1, len(self.models)):
            m = self.models[k]
            if (
                m.ready(phases[k])
                and m.raced >= 2
                and m.errors_seen >= 2
                and m.race_error < self.config.season_margin**2 * self.models[best].race_error
            ):
                best = k
        return best

    def expected(self, t: Instant) -> float:
        """The baseline's forecast for bucket ``t``."""
        phases = self._phases(epoch_seconds(t))
        k = self._best(phases)
        return self.models[k].forecast(phases[k])

    def assess(self, t: Instant, x: float) -> Assessment:
        """Score ``x`` at ``t`` without learning anything, with the numbers behind the score."""
        if not math.isfinite(x):
            raise DetectError(f"value must be a finite number, not {x!r}")
        cfg = self.config
        seconds = epoch_seconds(t)
        phases = self._phases(seconds)
        k = self._best(phases)
        m = self.models[k]
        expected = m.forecast(phases[k])
        floor = cfg.min_relative_scale * max(abs(expected), 1e-3)
        scale = max(_SIGMA_PER_MAD * m.mean_abs_error, floor, 0.5 * self.quantum)
        scale *= m.uncertainty(phases[k])
        counts = cfg.counts if cfg.counts is not None else (self.all_counts and is_count(x))
        if counts:
            scale = math.sqrt(max(scale * scale, expected, 1e-2))
        z = (x - expected) / scale
        up = cfg.direction in ("up", "both")
        down = cfg.direction in ("down", "both")
        raw_up = normal_surprise(z) if up else 0.0
        raw_down = normal_surprise(-z) if down else 0.0
        if counts:
            # Counts have a discrete, skewed tail: 4 posts where 0.5 are expected is rarer
            # than a z-score says. But where the forecast is unsure (within one scale of zero),
            # the tail of a near-zero mean would overstate: the smaller surprise stands there.
            mean, var = max(expected, 1e-3), scale * scale
            sure = expected >= scale
            if up:
                c = count_surprise(x, mean, var, upper=True)
                raw_up = c if sure else min(raw_up, c)
            if down:
                c = count_surprise(x, mean, var, upper=False)
                raw_down = c if sure else min(raw_down, c)
        raw = raw_up if z >= 0 else -raw_down
        short_mean = self.short_mean + self.short_alpha * (
            min(max(raw_up, raw_down), cfg.short_cap) - self.short_mean
        )
        drift_mean = self.drift_mean + self.drift_alpha * (
            max(-_Z_CLIP, min(_Z_CLIP, z)) - self.drift_mean
        )
        context_mean = self.context_mean
        if self.context is not None:
            loss = self.context.loss(self.context.level(self.values, x))
            context_mean += self.context_alpha * (loss - context_mean)
        name = m.name
        if self.learned < self.warmup:
            return Assessment(
                expected, scale, z, name, raw, 0.0, 0.0, 0.0, 0.0, False, 0.0, 0.0,
                short_mean, drift_mean, 0.0, context_mean,
            )  # fmt: skip
        # Each view, calibrated on history; the history only ever lowers a model surprise.
        point = max(
            min(raw_up, self._tail(self.point_calibration, raw_up)) if up else 0.0,
            min(raw_down, self._tail(self.point_calibration, -raw_down, lower=True))
            if down
            else 0.0,
        )
        short = min(cfg.short_gain * short_mean, self._tail(self.short_calibration, short_mean))
        drift = max(
            self._tail(self.drift_calibration, drift_mean) if up else 0.0,
            self._tail(self.drift_calibration, drift_mean, lower=True) if down else 0.0,
        )
        extreme = max(
            self._tail(self.values, x, resolution=self.quantum) if up else 0.0,
            self._tail(self.values, x, lower=True, resolution=self.quantum) if down else 0.0,
        )
        context = 0.0
        if (
            self.context is not None
            and (up if z >= 0 else down)
            and len(self.context_calibration) >= cfg.context_history
        ):
            # Not before a long history: while the model learns its contexts one after another
            # its loss drifts, and a short calibration would take that drift for news.
            context = self._tail(self.context_calibration, context_mean)
        if len(self.values) < cfg.min_history:
            # Too little history to say what is rare for it: only the forecast's view speaks.
            short = drift = extreme = context = 0.0
        recurring = False
        if self.day_memory is not None and max(point, extreme) > 0.0:
            local = self.clock.local(seconds)
            tolerance = None
            if extreme > cfg.protect and cfg.spike_tolerance > 0:
                tolerance = max(1, round(cfg.spike_tolerance / self.step))
            # Recurring spikes and peaks vary in height from day to day: an earlier value counts
            # if it was nearly as far from the median as this one.
            values = self.values.sorted
            median = values[len(values) // 2] if values else x
            reference = median + cfg.recurrence_ratio * (x - median)
            recurring = (
                self.day_memory.recurrences(local, reference, z >= 0, tolerance)
                >= cfg.recurrence_min
            )
            if recurring:
                point, extreme = 0.0, 0.0
        surprise = max(point, short, drift, extreme, context)
        alarm = max(
            point,
            0.0 if recurring else drift,
            extreme,
            context,
            short if (counts if cfg.short_rings is None else cfg.short_rings) else 0.0,
        )
        if cfg.min_visible > 0.0 and not counts and alarm > cfg.protect and len(self.values) > 1:
            # A measurement whose gap to the forecast is too small to see beside the range of
            # values the series has shown is noise in a calm stretch, not news (a spike of
            # 0.02 in a series that spans 0 to 100): it protects the baseline but does not ring.
            span = self.values.sorted[-1] - self.values.sorted[0]
            if abs(x - expected) < cfg.min_visible * span:
                alarm = min(cfg.protect, 0.99 * self.ringing)
        score = alarm / (alarm + cfg.surprise_half)
        return Assessment(
            expected, scale, z, name, raw, point, short, drift, extreme, recurring, surprise,
            score, short_mean, drift_mean, context, context_mean, alarm,
        )  # fmt: skip

    def _tail(
        self, window: SortedWindow, x: float, lower: bool = False, resolution: float = 0.0
    ) -> float:
        return tail_surprise(window, x, self.config.tail, lower, resolution)

    def _learn(self, t: Instant, x: float, a: Assessment) -> None:
        cfg = self.config
        seconds = epoch_seconds(t)
        phases = self._phases(seconds)
        self.short_mean, self.drift_mean = a.short_mean, a.drift_mean
        self.context_mean = a.context_mean
        level = self.context.level(self.values, x) if self.context is not None else 0
        for m, phase in zip(self.models, phases, strict=True):
            m.race(phase, x, cfg.race_clip * max(a.scale, 1e-12))
        anomalous = a.surprise > cfg.protect
        self.anomalous_run = self.anomalous_run + 1 if anomalous else 0
        calibrating = self.learned > self.warmup // 2
        accepted = cfg.rebaseline_after is not None and self.anomalous_run > cfg.rebaseline_after
        if anomalous and not accepted:
            if calibrating and self.anomalous_run <= cfg.calibrate_anomalies:
                self._calibrate(seconds, x, a)
            for m, phase in zip(self.models, phases, strict=True):
                m.seed(phase, x)
            if self.context is not None:
                self.context.push(level)
            return
        if self.context is not None:
            self.context.learn(level)
            self.context.push(level)
        self.all_counts = self.all_counts and is_count(x)
        if self.last_learned is not None and x != self.last_learned:
            change = abs(x - self.last_learned)
            self.quantum = change if self.quantum == 0.0 else min(self.quantum, change)
        self.last_learned = x
        for m, phase in zip(self.models, phases, strict=True):
            m.learn(phase, x, rhythm=not anomalous)
        self.learned += 1
        if calibrating:
            self._calibrate(seconds, x, a)
        elif self.day_memory is not None:
            self.day_memory.remember(self.clock.local(seconds), x)

    def _calibrate(self, seconds: float, x: float, a: Assessment) -> None:
        self.point_calibration.update(a.raw)
        self.short_calibration.update(a.short_mean)
        self.drift_calibration.update(a.drift_mean)
        if self.context is not None:
            self.context_calibration.update(a.context_mean)
        self.values.update(x)
        if self.day_memory is not None:
            self.day_memory.remember(self.clock.local(seconds), x)
