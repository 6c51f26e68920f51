"""Forms for the pages, with error messages in the GOV.UK style."""

from django import forms

from familyview.access.second_factor import is_well_formed, normalise_code

WRONG_USERNAME_OR_PASSWORD = "The username or password is wrong"  # noqa: S105 - a message
WRONG_SECURITY_CODE = "The security code is wrong or has already been used"


class SignInForm(forms.Form):
    """A username and password; the view checks them (access/sign_in.py)."""

    username = forms.CharField(max_length=150, error_messages={"required": "Enter your username"})
    # Passwords are taken exactly as typed: spaces can be part of them. The length limit
    # spares the hasher megabytes of input; the password rules allow at most 128.
    password = forms.CharField(
        strip=False,
        max_length=1024,
        error_messages={
            "required": "Enter your password",
            "max_length": WRONG_USERNAME_OR_PASSWORD,
        },
    )


class SecurityCodeForm(forms.Form):
    """The 6-digit code from an authenticator app (spaces and hyphens are ignored)."""

    code = forms.CharField(
        max_length=20,
        error_messages={
            "required": "Enter the security code",
            "max_length": "Enter the security code in the correct format, like 123456",
        },
    )

    def clean_code(self) -> str:
        code = normalise_code(self.cleaned_data["code"])
        if not code.isdigit():
            raise forms.ValidationError("The security code must be numbers only, like 123456")
        if not is_well_formed(code):
            raise forms.ValidationError("The security code must be 6 digits, like 123456")
        return code


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
