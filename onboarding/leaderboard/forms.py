"""Forms of the leaderboard pages: the campaign and window filter, and a maintainer's recognition."""

from __future__ import annotations

from django import forms

from onboarding.campaigns.models import Campaign
from onboarding.leaderboard.models import Recognition
from onboarding.leaderboard.selectors import WINDOWS


class LeaderboardFilterForm(forms.Form):
    """``campaign`` (a slug, empty for all campaigns) and ``window`` (a key of `WINDOWS`)."""

    campaign = forms.ChoiceField(required=False, label="Campaign")
    window = forms.ChoiceField(
        required=False, label="Window", choices=[(key, label) for key, (label, _) in WINDOWS.items()]
    )

    def __init__(self, data: object, *, campaigns: list[Campaign]) -> None:
        super().__init__(data)  # type: ignore[arg-type]
        self._campaigns = {c.slug: c for c in campaigns}
        self.fields["campaign"].choices = [("", "all campaigns"), *((c.slug, c.title) for c in campaigns)]

    def selected_campaign(self) -> Campaign | None:
        """The chosen campaign (call after ``is_valid()``), ``None`` for all of them."""
        return self._campaigns.get(self.cleaned_data.get("campaign") or "")

    def selected_window(self) -> str:
        return str(self.cleaned_data.get("window") or "all")


class RecognitionForm(forms.Form):
    """A review or mentoring to record: the work is a pull request URL or a task as ``campaign/NAME``."""

    kind = forms.ChoiceField(choices=Recognition.Kind.choices)
    pull_request_url = forms.URLField(
        assume_scheme="https",
        required=False,
        label="Pull request URL",
        max_length=300,
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/python/cpython/pull/12345"}),
    )
    task = forms.CharField(
        required=False,
        label="or task",
        max_length=160,
        widget=forms.TextInput(attrs={"placeholder": "refcount/CALL_TYPE_1"}),
    )
    note = forms.CharField(required=False, max_length=300)

    def clean_task(self) -> tuple[str, str] | None:
        value = str(self.cleaned_data.get("task") or "").strip()
        if not value:
            return None
        slug, sep, name = value.partition("/")
        if not sep or not slug or not name:
            raise forms.ValidationError("Write the task as campaign/NAME, e.g. refcount/CALL_TYPE_1.")
        return slug, name

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("pull_request_url") and not data.get("task"):
            raise forms.ValidationError("Name the pull request or the task that was reviewed or mentored.")
        return data
