"""The user model: everyone signs in with an e-mail address (founders, partners, staff)."""

from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: Any) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    # Django drops an inherited field when a subclass sets it to None; the stubs type
    # AbstractUser.username as a CharField and cannot express that.
    username = None  # type: ignore[assignment]
    email = models.EmailField("e-mail address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    # Made by `seed_demo` with the password "demo": signs in only while DEBUG is on
    # (cloudroute.auth), and `check --deploy` fails while one exists (cloudroute.checks).
    is_demo = models.BooleanField(
        "demo login",
        default=False,
        help_text="Made by seed_demo (password 'demo'); refused whenever DEBUG is off.",
    )

    # The stubs pin AbstractUser.objects to auth's UserManager (username-first create_user);
    # an e-mail login needs its own BaseUserManager, as Django's custom-user docs do.
    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        # user_email_ci_unique ignores case; named on the field (the admin shows the
        # constraint's name otherwise).
        twins = User.objects.filter(email__iexact=self.email).exclude(pk=self.pk)
        if self.email and twins.exists():
            raise ValidationError(
                {"email": "An account with this e-mail address exists (whatever its case)."}
            )

    def get_full_name(self) -> str:
        return self.full_name or self.email

    def get_short_name(self) -> str:
        return (self.full_name or self.email).split(" ")[0]
