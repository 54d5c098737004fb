"""Signup form: allauth's, with the person's name."""

from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.utils.translation import gettext_lazy as _


class SignupForm(AllauthSignupForm):
    name = forms.CharField(label=_("姓名或昵称"), max_length=50, required=False)

    field_order = ["name", "phone", "email", "password1", "password2"]

    def save(self, request):
        user = super().save(request)
        if self.cleaned_data.get("name"):
            user.name = self.cleaned_data["name"]
            user.save(update_fields=["name"])
        return user
