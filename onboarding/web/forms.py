"""Forms of the site: attach a pull request URL to a claim, assign a task, release a claim, start a scan."""

from pathlib import Path

from django import forms


class PullRequestForm(forms.Form):
    url = forms.CharField(
        label="Pull request URL",
        max_length=300,
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/python/cpython/pull/12345"}),
    )


class AssignForm(forms.Form):
    github_handle = forms.CharField(label="Username or GitHub handle", max_length=150)

    def clean_github_handle(self) -> str:
        return str(self.cleaned_data["github_handle"]).strip().removeprefix("@")


class ReleaseForm(forms.Form):
    reason = forms.CharField(label="Reason (optional)", max_length=300, required=False)


class ScanStartForm(forms.Form):
    """A maintainer's scan from the site: a CPython checkout on the server (or its bytecodes.c)."""

    path = forms.CharField(
        label="CPython checkout on the server",
        max_length=1000,
        widget=forms.TextInput(attrs={"placeholder": "/srv/cpython"}),
    )
    label = forms.CharField(label="Label (optional)", max_length=100, required=False)

    def clean_path(self) -> str:
        value = str(self.cleaned_data["path"]).strip()
        path = Path(value)
        try:
            found = (path / "Python" / "bytecodes.c").is_file() or (path.name == "bytecodes.c" and path.is_file())
        except (OSError, ValueError):  # a name too long for the file system, or a NUL byte
            found = False
        if not found:
            raise forms.ValidationError(
                "No CPython sources here: give a checkout holding Python/bytecodes.c, or that file."
            )
        return value
