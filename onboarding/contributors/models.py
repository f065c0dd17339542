"""A contributor: a Django user with a GitHub handle, possibly a maintainer."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

#: GitHub's rule for user names: alphanumerics and single inner hyphens, at most 39 characters.
github_handle_validator = RegexValidator(
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$",
    "A GitHub handle has letters, digits and single hyphens inside, at most 39 characters.",
)


class ContributorManager(models.Manager["Contributor"]):
    def get_by_natural_key(self, github_handle: str) -> Contributor:
        return self.get(github_handle__iexact=github_handle)


class Contributor(models.Model):
    """The person behind claims: ``github_handle`` is how mega-issues name them (``@handle``).

    Maintainers (``is_maintainer``) may assign and release anyone's claims. Authors of
    imported pull requests have no ``user`` until they sign in with GitHub.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contributor",
        help_text="Empty for a person known only from GitHub (an imported pull request's author) "
        "until they sign in here with that GitHub account.",
    )
    github_handle = models.CharField(max_length=39, unique=True, validators=[github_handle_validator])
    is_maintainer = models.BooleanField(default=False, help_text="May assign and release anyone's claims.")
    on_github = models.BooleanField(
        default=True,
        help_text="Whether github_handle is a real GitHub account (an imported author or a GitHub sign-in); "
        "false for local accounts such as the demo's, whose profiles then link to no GitHub page.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ContributorManager()

    class Meta:
        ordering = ["github_handle"]
        constraints = [
            # GitHub handles are case-insensitive: @OctoCat and @octocat are one person.
            models.UniqueConstraint(Lower("github_handle"), name="contributor_unique_handle_any_case"),
        ]

    def __str__(self) -> str:
        return f"@{self.github_handle}"

    @property
    def display_name(self) -> str:
        """The account's full name, or "" (also for a person known only from GitHub)."""
        return self.user.get_full_name().strip() if self.user is not None else ""

    def natural_key(self) -> tuple[str]:
        return (self.github_handle,)

    natural_key.dependencies = ["auth.user"]  # type: ignore[attr-defined]
