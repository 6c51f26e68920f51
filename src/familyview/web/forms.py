"""Forms for the pages, with error messages in the GOV.UK style."""

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.models import AbstractBaseUser
from django.http import HttpRequest

WRONG_USERNAME_OR_PASSWORD = "The username or password is wrong"  # noqa: S105 - a message


class SignInForm(forms.Form):
    """A username and password, checked with Django's authentication backends."""

    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    # Passwords are taken exactly as typed: spaces can be part of them.
    password = forms.CharField(strip=False, error_messages={"required": "Enter your password"})

    def __init__(self, request: HttpRequest, *args, **kwargs):
        self.request = request
        self.user: AbstractBaseUser | None = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        username, password = cleaned.get("username"), cleaned.get("password")
        if username and password:
            # One message for an unknown user, a wrong password or a disabled account:
            # the page never says which (Django's backend also evens out the timing).
            self.user = authenticate(self.request, username=username, password=password)
            if self.user is None:
                self.add_error("username", WRONG_USERNAME_OR_PASSWORD)
        return cleaned


def error_list(form: forms.Form) -> list[dict[str, str]]:
    """The form's errors as govukErrorSummary's errorList, each linking to its field."""
    items = []
    for field_name, messages in form.errors.items():
        anchor = field_name if field_name in form.fields else next(iter(form.fields))
        items.extend({"text": str(message), "href": f"#{anchor}"} for message in messages)
    return items


def field_error(form: forms.Form, field_name: str) -> dict[str, str] | None:
    """A field's first error as govukInput's errorMessage, or None."""
    messages = form.errors.get(field_name)
    return {"text": str(messages[0])} if messages else None
