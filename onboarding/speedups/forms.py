"""Forms of the speedups pages: upload a pyperf file, pick two runs to compare, pick the builds to chart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django import forms
from django.core.files.uploadedfile import UploadedFile

from onboarding.speedups.models import BenchmarkRun
from onboarding.speedups.pyperf_files import MAX_CONTENT_BYTES
from onboarding.speedups.selectors import RUN_ORDER

#: The largest upload accepted; real pyperformance result files are a few MB (decompressed, the same bound).
MAX_UPLOAD_BYTES = MAX_CONTENT_BYTES

_BUILD_CHOICES = [("", "read it from the configure arguments"), *BenchmarkRun.Build.choices]


class RunUploadForm(forms.Form):
    file = forms.FileField(
        label="pyperf result file (.json or .json.gz)",
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.gz,application/json,application/gzip"}),
    )
    machine = forms.CharField(
        label="Machine name (optional)", max_length=100, required=False, help_text="Default: the hostname."
    )
    build = forms.ChoiceField(label="Build", choices=_BUILD_CHOICES, required=False)

    def clean_file(self) -> UploadedFile:
        upload: UploadedFile = self.cleaned_data["file"]
        if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // (1024 * 1024)} MB; the limit is {MAX_UPLOAD_BYTES // (1024 * 1024)} MB."
            )
        return upload


class ComparisonForm(forms.Form):
    baseline = forms.ModelChoiceField(queryset=BenchmarkRun.objects.order_by(*RUN_ORDER), label="Baseline run")
    candidate = forms.ModelChoiceField(queryset=BenchmarkRun.objects.order_by(*RUN_ORDER), label="Candidate run")
    force = forms.BooleanField(
        label="Compare even if machine, compiler or benchmark definitions differ", required=False
    )

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("baseline") and cleaned.get("baseline") == cleaned.get("candidate"):
            raise forms.ValidationError("Pick two different runs.")
        return cleaned


class SeriesForm(forms.Form):
    """Which two builds the chart compares (query parameters); the JIT against the default build unless given."""

    baseline_build = forms.ChoiceField(label="Baseline build", required=False)
    candidate_build = forms.ChoiceField(label="Candidate build", required=False)

    def __init__(self, data: Mapping[str, str], *, builds: Iterable[str]) -> None:
        # Bound even when the query has no parameters, so the selects show what is charted.
        super().__init__(
            {
                "baseline_build": data.get("baseline_build") or BenchmarkRun.Build.DEFAULT.value,
                "candidate_build": data.get("candidate_build") or BenchmarkRun.Build.JIT.value,
            }
        )
        names = dict.fromkeys([BenchmarkRun.Build.DEFAULT.value, BenchmarkRun.Build.JIT.value, *builds])
        for name in ("baseline_build", "candidate_build"):
            self.fields[name].choices = [(build, build) for build in names]  # type: ignore[attr-defined]

    def builds(self) -> tuple[str, str]:
        """(baseline build, candidate build) when valid, else default and jit."""
        if not self.is_valid():
            return BenchmarkRun.Build.DEFAULT.value, BenchmarkRun.Build.JIT.value
        return self.cleaned_data["baseline_build"], self.cleaned_data["candidate_build"]


class WindowForm(forms.Form):
    """The summary's window of nights (query parameters ``start``/``end``, YYYY-MM-DD); both optional."""

    start = forms.DateField(label="From (night)", required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label="To (night)", required=False, input_formats=["%Y-%m-%d"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:  # type: ignore[operator]
            raise forms.ValidationError("The window's start is after its end.")
        return cleaned

    def window(self) -> tuple[object, object]:
        """(start, end) when valid (None for the default), else (None, None)."""
        if not self.is_valid():
            return None, None
        return self.cleaned_data.get("start"), self.cleaned_data.get("end")
