"""Who the API caller is, the token they sign in with, and the company's people and teams."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from crm.api.serializers import name_of
from crm.models import Team, User


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


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)
    # Not an email field in the schema: a user may have no address yet ("").
    email = serializers.CharField(read_only=True, help_text="Their email address; empty when they have none.")
    team_name = name_of("team")
    # A plain string: the zone's choices would put every time zone in the schema.
    time_zone = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "full_name",
            "email",
            "role",
            "team",
            "team_name",
            "is_active",
            "is_away",
            "time_zone",
        ]
        read_only_fields = fields


class UserUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "role", "team", "is_away", "is_active"]


class UserCreateSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Leave out for a user who cannot sign in with a password until an admin sets one.",
    )

    class Meta:
        model = User
        fields = ["username", "first_name", "last_name", "email", "role", "team", "password"]


class TeamSerializer(serializers.ModelSerializer):
    manager_name = name_of("manager")
    members = serializers.ListField(
        child=serializers.IntegerField(), source="member_ids", read_only=True, help_text="Its members' ids."
    )

    class Meta:
        model = Team
        fields = ["id", "name", "manager", "manager_name", "members"]
        # The service checks the name; here a PATCH keeping the name would collide with the team itself.
        extra_kwargs: ClassVar[dict[str, dict[str, Any]]] = {"name": {"validators": []}}
