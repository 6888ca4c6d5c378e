"""The Sales sample: customers, products, orders and order lines of a home-goods retailer.

Three years (2022-2024) of orders with seasonality (Christmas peak, quiet August, the French
winter and summer sales, Black Friday), yearly growth, categories with their own seasons (garden
furniture in spring, lamps and blankets in winter) and products launched along the way. Every
order's ``total_amount`` is the sum of its lines' ``quantity * unit_price``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from app.demo.names import COMPANY_KINDS, COUNTRY, Country, Dice, ascii_slug, person

FIRST_DAY = date(2022, 1, 1)
LAST_DAY = date(2024, 12, 31)
CUSTOMERS = 420
ORDERS = 2000

CATEGORY_SEASON = {  # relative demand per month, January first
    "Furniture": (1.1, 1.0, 1.0, 0.9, 0.9, 0.8, 0.8, 0.9, 1.2, 1.1, 1.0, 0.9),
    "Lighting": (1.2, 1.1, 0.9, 0.8, 0.7, 0.6, 0.6, 0.7, 1.0, 1.3, 1.4, 1.5),
    "Kitchen": (1.0, 0.9, 0.9, 0.9, 1.0, 0.9, 0.8, 0.8, 1.0, 1.0, 1.3, 1.6),
    "Textiles": (1.3, 1.1, 0.9, 0.8, 0.7, 0.6, 0.6, 0.7, 1.0, 1.3, 1.4, 1.4),
    "Decoration": (0.9, 1.0, 1.0, 1.0, 1.0, 0.9, 0.9, 0.9, 1.0, 1.1, 1.4, 1.7),
    "Garden": (0.2, 0.3, 0.9, 1.8, 2.2, 2.2, 1.8, 1.0, 0.5, 0.3, 0.2, 0.3),
}
MONTH_SEASON = (0.85, 0.8, 0.9, 0.95, 1.0, 0.95, 0.85, 0.6, 0.95, 1.05, 1.45, 1.65)
WEEKDAY = (1.0, 0.95, 0.95, 1.0, 1.05, 1.25, 1.1)
GROWTH = {2022: 1.0, 2023: 1.18, 2024: 1.35}
SALES_PERIODS = (  # French winter and summer sales ("soldes"): first day, last day
    (date(2022, 1, 12), date(2022, 2, 8)),
    (date(2022, 6, 22), date(2022, 7, 19)),
    (date(2023, 1, 11), date(2023, 2, 7)),
    (date(2023, 6, 28), date(2023, 7, 25)),
    (date(2024, 1, 10), date(2024, 2, 6)),
    (date(2024, 6, 26), date(2024, 7, 23)),
)
BLACK_FRIDAYS = (date(2022, 11, 25), date(2023, 11, 24), date(2024, 11, 29))
COUNTRY_SHARE = {"FR": 50, "BE": 12, "CH": 8, "DE": 10, "ES": 7, "IT": 7, "NL": 4, "LU": 2}
STORE_COUNTRIES = ("FR", "BE")
CHANNELS_CONSUMER = {"Web": 65, "Store": 27, "Phone": 8}
CHANNELS_BUSINESS = {"Web": 55, "Store": 15, "Phone": 30}
PAYMENT_METHODS = {
    "Web": {"Card": 62, "PayPal": 28, "Bank transfer": 10},
    "Store": {"Card": 85, "Cash": 15},
    "Phone": {"Card": 40, "Bank transfer": 60},
}

# id, name, category, list price in cents, popularity, launched on
CATALOGUE = (
    ("FUR-001", "Chaise de bureau ergonomique", "Furniture", 24900, 3.0, None),
    ("FUR-002", "Bureau assis-debout", "Furniture", 58900, 2.0, None),
    ("FUR-003", "Fauteuil lounge « Élise »", "Furniture", 44900, 1.5, None),
    ("FUR-004", "Étagère murale en chêne", "Furniture", 8990, 3.0, None),
    ("FUR-005", "Table basse « Noé »", "Furniture", 21900, 2.0, None),
    ("FUR-006", "Tabouret de bar en hêtre", "Furniture", 7990, 2.0, None),
    ("FUR-007", "Bibliothèque 5 niveaux", "Furniture", 15900, 2.0, None),
    ("FUR-008", "Canapé 3 places « Léon »", "Furniture", 124900, 0.8, None),
    ("FUR-009", "Table à manger extensible", "Furniture", 74900, 0.8, date(2023, 3, 1)),
    ("LIG-001", "Lampe de bureau en laiton", "Lighting", 6990, 3.0, None),
    ("LIG-002", "Suspension en rotin", "Lighting", 11900, 2.0, None),
    ("LIG-003", "Lampadaire arc", "Lighting", 18900, 1.5, None),
    ("LIG-004", "Applique murale orientable", "Lighting", 5990, 2.0, None),
    ("LIG-005", "Guirlande lumineuse 10 m", "Lighting", 2490, 3.0, None),
    ("LIG-006", "Ampoules LED E27 (lot de 4)", "Lighting", 1490, 4.0, None),
    ("LIG-007", "Lampe de chevet en céramique", "Lighting", 4990, 2.5, None),
    ("LIG-008", "Lampe baladeuse rechargeable", "Lighting", 3990, 2.0, date(2024, 4, 15)),
    ("KIT-001", "Cafetière à piston 1 L", "Kitchen", 3490, 4.0, None),
    ("KIT-002", "Moulin à café manuel", "Kitchen", 5900, 2.0, None),
    ("KIT-003", "Poêle en fonte 28 cm", "Kitchen", 6490, 3.0, None),
    ("KIT-004", "Couteau de chef 20 cm", "Kitchen", 8900, 2.0, None),
    ("KIT-005", "Service de table 18 pièces", "Kitchen", 12900, 1.5, None),
    ("KIT-006", "Bouilloire électrique", "Kitchen", 4990, 3.0, None),
    ("KIT-007", "Théière en fonte", "Kitchen", 4500, 2.0, None),
    ("KIT-008", "Planche à découper en noyer", "Kitchen", 3990, 2.5, None),
    ("KIT-009", "Cocotte en fonte 24 cm", "Kitchen", 17900, 1.5, date(2023, 9, 1)),
    ("TEX-001", "Plaid en laine", "Textiles", 6900, 3.0, None),
    ("TEX-002", "Housse de couette en lin", "Textiles", 14900, 2.0, None),
    ("TEX-003", "Coussin en velours côtelé", "Textiles", 2990, 4.0, None),
    ("TEX-004", "Tapis berbère 160x230", "Textiles", 32900, 1.0, None),
    ("TEX-005", "Rideaux occultants (paire)", "Textiles", 7900, 2.0, None),
    ("TEX-006", "Serviettes de bain (lot de 4)", "Textiles", 4900, 3.0, None),
    ("TEX-007", "Nappe en lin lavé", "Textiles", 5900, 1.5, None),
    ("TEX-008", "Coussin « Cœur » brodé", "Textiles", 3490, 2.0, date(2022, 10, 1)),
    ("DEC-001", "Vase en céramique", "Decoration", 3990, 3.0, None),
    ("DEC-002", "Miroir rond doré", "Decoration", 12900, 2.0, None),
    ("DEC-003", "Cadre photo en noyer", "Decoration", 2490, 3.0, None),
    ("DEC-004", "Bougie parfumée figue", "Decoration", 1990, 4.0, None),
    ("DEC-005", "Horloge murale silencieuse", "Decoration", 4490, 2.0, None),
    ("DEC-006", "Olivier artificiel 120 cm", "Decoration", 9900, 1.5, None),
    ("DEC-007", "Affiche encadrée « Côte d'Azur »", "Decoration", 5900, 1.5, None),
    ("DEC-008", "Photophore en verre soufflé", "Decoration", 2990, 2.0, None),
    ("GAR-001", "Salon de jardin en teck", "Garden", 159000, 0.6, None),
    ("GAR-002", "Parasol déporté 3 m", "Garden", 28900, 1.0, None),
    ("GAR-003", "Chaise longue pliante", "Garden", 11900, 2.0, None),
    ("GAR-004", "Jardinière en zinc", "Garden", 3990, 2.5, None),
    ("GAR-005", "Barbecue à charbon", "Garden", 19900, 1.5, None),
    ("GAR-006", "Guirlande solaire", "Garden", 2490, 3.0, None),
    ("GAR-007", "Hamac en coton", "Garden", 7900, 1.5, date(2022, 4, 1)),
    ("GAR-008", "Arrosoir en laiton 1,5 L", "Garden", 4990, 1.5, None),
)


@dataclass(frozen=True)
class Product:
    product_id: str
    name: str
    category: str
    list_price: int  # cents
    unit_cost: int  # cents
    popularity: float
    launched_on: date


@dataclass
class Customer:
    customer_id: int
    first_name: str
    last_name: str
    email: str
    company: str
    segment: str
    city: str
    country: Country
    signup_date: date
    activity: float


@dataclass(frozen=True)
class OrderLine:
    line_id: int
    order_id: int
    product: Product
    quantity: int
    unit_price: int  # cents, after any discount
    discount_pct: int

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_price


@dataclass
class Order:
    order_id: int
    customer: Customer
    order_date: date
    channel: str
    payment_method: str
    status: str
    shipped_on: date | None
    lines: list[OrderLine] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass
class SalesData:
    customers: list[Customer]
    products: list[Product]
    orders: list[Order]

    @property
    def lines(self) -> list[OrderLine]:
        return [line for order in self.orders for line in order.lines]


def build_sales(seed: int) -> SalesData:
    """The whole Sales dataset for ``seed``; the same seed always gives the same data."""
    dice = Dice(seed)
    products = _products(dice)
    customers = _customers(dice)
    orders = _orders(dice, customers, products)
    return SalesData(customers, products, orders)


def _products(dice: Dice) -> list[Product]:
    return [
        Product(
            pid,
            name,
            category,
            price,
            price * dice.between(38, 58) // 100,
            pop,
            launched or dice.day(date(2018, 1, 8), date(2021, 11, 30)),
        )
        for pid, name, category, price, pop, launched in CATALOGUE
    ]


def _customers(dice: Dice) -> list[Customer]:
    codes = list(COUNTRY_SHARE)
    emails: set[str] = set()
    customers = []
    for number in range(1, CUSTOMERS + 1):
        country = COUNTRY[dice.weighted(codes, list(COUNTRY_SHARE.values()))]
        someone = person(dice, country)
        business = dice.chance(0.28)
        company = ""
        if business:
            company = (
                f"{dice.pick(COMPANY_KINDS)} {dice.pick(country.surnames)}{country.company_suffix}"
            )
        local = f"{ascii_slug(someone.first_name)}.{ascii_slug(someone.last_name)}"
        domain = (
            f"{ascii_slug(company, '-')}.example"
            if business
            else dice.pick(("example.com", "example.org", "example.net"))
        )
        email = f"{local}@{domain}"
        suffix = 2
        while email in emails:
            email = f"{local}{suffix}@{domain}"
            suffix += 1
        emails.add(email)
        if dice.chance(0.25):
            signup = dice.day(date(2021, 6, 1), date(2021, 12, 31))
        else:
            signup = dice.day(FIRST_DAY, date(2024, 10, 31))
        activity = dice.weighted((0.0, 1.0, 3.0, 8.0, 20.0), (15, 50, 25, 8, 2))
        customers.append(
            Customer(
                number,
                someone.first_name,
                someone.last_name,
                email,
                company,
                "Business" if business else "Consumer",
                dice.pick(country.cities),
                country,
                signup,
                activity * (2 if business else 1),
            )
        )
    return customers


def _day_weight(day: date) -> float:
    weight = MONTH_SEASON[day.month - 1] * GROWTH[day.year] * WEEKDAY[day.weekday()]
    if any(first <= day <= last for first, last in SALES_PERIODS):
        weight *= 1.3
    if any(abs((day - friday).days) <= 3 for friday in BLACK_FRIDAYS):
        weight *= 2.5
    if (day.month, day.day) in ((12, 25), (1, 1)):
        weight *= 0.2
    return weight


def _discount(dice: Dice, day: date) -> int:
    if any(abs((day - friday).days) <= 3 for friday in BLACK_FRIDAYS) and dice.chance(0.6):
        return dice.pick((20, 25))
    if any(first <= day <= last for first, last in SALES_PERIODS) and dice.chance(0.5):
        return dice.pick((20, 30, 40))
    return 0


def _orders(dice: Dice, customers: list[Customer], products: list[Product]) -> list[Order]:
    days = [FIRST_DAY + timedelta(n) for n in range((LAST_DAY - FIRST_DAY).days + 1)]
    weights = [_day_weight(day) for day in days]
    dates = sorted(dice.weighted(days, weights) for _ in range(ORDERS))
    orders: list[Order] = []
    line_id = 0
    for number, day in enumerate(dates, start=100001):
        eligible = [c for c in customers if c.signup_date <= day and c.activity > 0]
        customer = dice.weighted(eligible, [c.activity for c in eligible])
        order = _order(dice, number, customer, day)
        for product in _basket(dice, products, day, customer.segment == "Business"):
            line_id += 1
            quantity = _quantity(dice, product, customer.segment == "Business")
            discount = _discount(dice, day)
            price = (product.list_price * (100 - discount) + 50) // 100
            order.lines.append(OrderLine(line_id, number, product, quantity, price, discount))
        orders.append(order)
    return orders


def _order(dice: Dice, number: int, customer: Customer, day: date) -> Order:
    business = customer.segment == "Business"
    shares = CHANNELS_BUSINESS if business else CHANNELS_CONSUMER
    channels = [c for c in shares if c != "Store" or customer.country.code in STORE_COUNTRIES]
    channel = dice.weighted(channels, [shares[c] for c in channels])
    methods = PAYMENT_METHODS[channel]
    payment = dice.weighted(list(methods), list(methods.values()))
    status = dice.weighted(("Delivered", "Cancelled", "Returned"), (93, 3, 4))
    shipped = None
    if status != "Cancelled":
        shipped = day + timedelta(0 if channel == "Store" else dice.between(1, 4))
        if shipped > LAST_DAY:  # the data ends on LAST_DAY: this order has not left yet
            status, shipped = "Processing", None
        elif shipped + timedelta(days=3) > LAST_DAY:
            status = "Shipped"
        elif status == "Returned" and shipped + timedelta(days=14) > LAST_DAY:
            status = "Delivered"
    return Order(number, customer, day, channel, payment, status, shipped)


def _basket(dice: Dice, products: list[Product], day: date, business: bool) -> list[Product]:
    count = dice.weighted((1, 2, 3, 4, 5, 6), (38, 28, 17, 9, 5, 3))
    if business and dice.chance(0.5):
        count += 1
    available = [p for p in products if p.launched_on <= day]
    weights = [p.popularity * CATEGORY_SEASON[p.category][day.month - 1] for p in available]
    chosen: list[Product] = []
    while len(chosen) < count:
        product = dice.weighted(available, weights)
        if product not in chosen:
            chosen.append(product)
    return chosen


def _quantity(dice: Dice, product: Product, business: bool) -> int:
    if product.list_price < 4000:
        quantity = dice.weighted((1, 2, 3, 4, 6), (45, 30, 15, 7, 3))
    else:
        quantity = dice.weighted((1, 2, 3, 4), (72, 20, 6, 2))
    if business and product.list_price < 15000:  # offices and hotels buy small items in bulk
        quantity *= dice.weighted((1, 2, 3, 5), (50, 25, 15, 10))
    return quantity
