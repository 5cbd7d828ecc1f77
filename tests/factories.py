import factory
from django.contrib.auth import get_user_model

from disclosure_site.checkdigits import make_credit_code
from disclosure_site.models import Membership, Organization, Role


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"测试县机构{n:03d}")
    kind = Organization.Kind.DEPARTMENT
    credit_code = factory.Sequence(lambda n: make_credit_code("330122", f"{10000000 + n:08d}"))
    phone = "0571-12345678"
    address = "测试县人民路1号"
    postcode = "311500"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = factory.Sequence(lambda n: f"职员{n}")
    is_staff = True
    password = factory.django.Password("correct-horse-42")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    organization = factory.SubFactory(OrganizationFactory)
    role = Role.CLERK


PASSWORD = "correct-horse-42"
