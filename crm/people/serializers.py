"""Who the API caller is, and the token they sign in with."""

from __future__ import annotations

from rest_framework import serializers

from crm.api.serializers import name_of
from crm.models import User


class MeSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    team_name = name_of("team")

    class Meta:
        model = User
        fields = ["id", "username", "name", "first_name", "last_name", "email", "role", "team", "team_name"]
        read_only_fields = fields

    def get_name(self, user: User) -> str:
        return str(user)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True, help_text='Send it as "Authorization: Token <token>".')
    # Not read-only, so that the schema does not call it required: it is left out when tokens never expire.
    expires = serializers.DateTimeField(
        required=False, help_text="When the token stops working; absent when tokens do not expire."
    )
