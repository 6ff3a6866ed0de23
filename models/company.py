from tortoise import fields
from tortoise.models import Model


class Company(Model):
    """A vendor or partner company of the network."""

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    domain = fields.CharField(max_length=253, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "company"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
