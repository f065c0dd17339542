"""Forms of the site: attach a pull request URL to a claim, assign a task, release a claim."""

from django import forms


class PullRequestForm(forms.Form):
    url = forms.CharField(
        label="Pull request URL",
        max_length=300,
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/python/cpython/pull/12345"}),
    )


class AssignForm(forms.Form):
    github_handle = forms.CharField(label="GitHub handle", max_length=40)

    def clean_github_handle(self) -> str:
        return str(self.cleaned_data["github_handle"]).strip().removeprefix("@")


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=300, required=False)
