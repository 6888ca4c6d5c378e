"""The words the offline answerer knows besides the model's own: French and English business
words mapped to one English spelling, stop words, and the question's structural words.

Everything is written folded (lowercase, without accents), as :mod:`.normalise` folds questions.
"""

from __future__ import annotations

CANONICAL: dict[str, str] = {
    # sales
    "commande": "order", "commandes": "order", "client": "customer", "clients": "customer",
    "clientele": "customer", "produit": "product", "produits": "product", "article": "product",
    "articles": "product", "ligne": "item", "lignes": "item", "line": "item", "lines": "item",
    "montant": "amount", "montants": "amount", "quantite": "quantity", "quantites": "quantity",
    "qte": "quantity", "unite": "unit", "unites": "unit", "units": "quantity",
    "prix": "price", "unitaire": "unit", "remise": "discount", "remises": "discount",
    "vente": "sale", "ventes": "sale", "sales": "sale",
    "chiffre": "revenue", "turnover": "revenue", "ca": "revenue", "revenues": "revenue",
    "pays": "country", "ville": "city", "villes": "city", "categorie": "category",
    "categories": "category", "canal": "channel", "canaux": "channel", "statut": "status",
    "statuts": "status", "status": "status", "paiement": "payment", "paiements": "payment",
    "mode": "method", "ref": "reference", "reference": "reference", "designation": "name",
    "nom": "name", "libelle": "name", "societe": "company", "entreprise": "company",
    "inscription": "signup", "lancement": "launched", "launch": "launched", "cout": "cost",
    "couts": "cost", "tarif": "price",
    # shipping
    "expedition": "ship", "expeditions": "ship", "shipping": "ship", "shipped": "ship",
    "shipment": "ship", "shipments": "ship", "livraison": "ship", "expedie": "ship",
    "expediees": "ship", "expedies": "ship", "delivery": "ship",
    # values people say in French
    "magasin": "store", "boutique": "store", "telephone": "phone", "carte": "card",
    "virement": "transfer", "especes": "cash", "livre": "delivered", "livrees": "delivered",
    "livres": "delivered", "annule": "cancelled", "annulees": "cancelled", "annules": "cancelled",
    "canceled": "cancelled", "retourne": "returned", "retournees": "returned",
    "allemagne": "germany", "espagne": "spain", "italie": "italy", "belgique": "belgium",
    "suisse": "switzerland", "luxembourg": "luxembourg", "bas": "netherlands",
    "hollande": "netherlands", "royaume": "uk", "angleterre": "england", "mobilier": "furniture",
    "meubles": "furniture", "meuble": "furniture", "cuisine": "kitchen", "jardin": "garden",
    "luminaire": "lighting", "luminaires": "lighting", "eclairage": "lighting",
    "textile": "textiles", "linge": "textiles",
    # HR
    "employe": "employee", "employes": "employee", "salarie": "employee", "salaries": "employee",
    "collaborateur": "employee", "collaborateurs": "employee", "staff": "employee",
    "personnel": "employee", "worker": "employee", "workers": "employee", "people": "employee",
    "person": "employee", "personnes": "employee", "departement": "department",
    "departements": "department", "service": "department", "services": "department",
    "dept": "department", "team": "department", "teams": "department", "equipe": "department",
    "equipes": "department", "salaire": "salary", "salaires": "salary", "remuneration": "salary",
    "pay": "salary", "payroll": "salary", "annuel": "annual", "annuelle": "annual",
    "embauche": "hire", "embauches": "hire", "hired": "hire", "hiring": "hire",
    "recrutement": "hire", "recrutements": "hire", "recrue": "hire", "recrues": "hire",
    "recruitment": "hire", "hires": "hire", "depart": "exit", "departs": "exit",
    "sortie": "exit", "sorties": "exit", "departure": "exit", "departures": "exit",
    "leaver": "exit", "leavers": "exit", "left": "exit", "exits": "exit", "motif": "reason",
    "motifs": "reason", "raison": "reason", "contrat": "contract", "contrats": "contract",
    "genre": "gender", "sexe": "gender", "lieu": "location", "site": "location",
    "sites": "location", "localisation": "location", "office": "location",
    "offices": "location", "bureau": "location", "mouvement": "movement",
    "mouvements": "movement", "naissance": "birth", "poste": "job", "postes": "job",
    "fonction": "job", "intitule": "title", "etp": "fte", "permanents": "permanent",
    "cdi": "permanent", "cdd": "fixed term", "apprenti": "apprentice", "apprentis": "apprentice",
    "alternant": "apprentice", "alternants": "apprentice", "centre": "center",
    "cout_centre": "cost center",
    # grains
    "jour": "day", "jours": "day", "daily": "day", "journalier": "day", "semaine": "week",
    "semaines": "week", "weekly": "week", "hebdomadaire": "week", "mois": "month",
    "monthly": "month", "mensuel": "month", "trimestre": "quarter", "trimestres": "quarter",
    "quarterly": "quarter", "trimestriel": "quarter", "annee": "year", "annees": "year",
    "an": "year", "ans": "year", "yearly": "year",
    # aggregations and counting
    "moyenne": "average", "moyen": "average", "mean": "average", "avg": "average",
    "somme": "total", "sum": "total", "totale": "total", "totaux": "total", "overall": "total",
    "nombre": "count", "nb": "count", "nbre": "count", "number": "count", "combien": "count", "count": "count",
    "headcount": "count employee", "effectif": "count employee", "effectifs": "count employee",
    "minimum": "min", "maximum": "max",
}  # fmt: skip
"""Folded word -> its English spelling (several words when one stands for more)."""

PHRASES: dict[str, str] = {
    "chiffre d affaires": "revenue", "chiffres d affaires": "revenue",
    "how many": "count", "how much": "", "number of": "count", "nombre de": "count",
    "nombre d": "count", "moyen de paiement": "payment method",
    "mode de paiement": "payment method", "pays bas": "netherlands",
    "royaume uni": "uk", "full time equivalent": "fte", "en ligne": "web", "online": "web",
    "broken down by": "by", "split by": "by", "ventile par": "par", "for each": "each",
    "pour chaque": "each", "signed up": "signup", "sign up": "signup",
    "au cours des": "", "masse salariale": "total salary", "au cours de": "", "au cours du": "", "for every": "each", "best selling": "best", "les plus vendus": "best",
    "intitule de poste": "job title", "type de contrat": "contract type",
    "type de mouvement": "movement type", "centre de cout": "cost center",
}  # fmt: skip
"""Folded multi-word phrases replaced before words are looked up."""

RELATED: dict[str, frozenset[str]] = {
    "revenue": frozenset({"amount", "sale"}),
    "sale": frozenset({"amount", "revenue"}),
    "turnover": frozenset({"amount", "revenue"}),
    "spend": frozenset({"amount"}),
    "salary": frozenset({"compensation"}),
}
"""A question word that loosely means a field word; such a match counts for less and, when two
fields match loosely alike, the answerer asks which one was meant."""

BY = frozenset({"by", "per", "par", "each", "every", "chaque", "across", "which", "what",
                "quel", "quelle", "quels", "quelles", "selon", "breakdown", "repartition"})  # fmt: skip
"""Words that introduce what to group by ("by channel", "par pays", "which country")."""

AGGREGATE = {"average": "avg", "total": "sum", "min": "min", "max": "max"}
"""Words asking for one aggregation; a measure aggregated otherwise is declined, not guessed."""

COUNT = "count"

STOP = frozenset(
    """a an the of in on at for to from with and or is are was were be been being what's
    whats show me give list display tell please i we our my your their its it that these those
    there do does did have has had get got see find compute calculate all value values much
    data figure figures now only just also again same then instead over during about
    made generated earned placed received bought purchased spent recorded happened occurred
    make place receive buy please can could would you us current along
    le la les l un une des du de d au aux en dans pour sur avec et ou est sont a ont qui que
    qu ce ces cet mon ma mes nos notre leur leurs il elle y avoir donne donner donnez montre
    montrer montrez affiche afficher affichez liste lister moi etait etaient fait faites
    realise realises genere generes passe passees passes enregistre maintenant seulement
    uniquement juste aussi meme ete s t je nous vous on this who whose
    many there here whole entire tous toutes tout toute sold selling vendu vendue vendus
    vendues sell sells vend vendent work works working travaille travaillent""".split()  # noqa: SIM905
)
"""Words that carry no field, value or instruction."""

SOFT = frozenset({"name", "total", "count", "value", "label", "title", "number"})
"""Field words a question may leave out ("by department" means the department's name)."""

NAME_COLUMNS = frozenset({"name", "label", "title", "nom", "designation", "libelle"})
"""Column names that name a table's rows (what "by product" groups by)."""

VERBS_OF_TIME = frozenset({"since", "depuis", "until", "before", "after", "avant", "apres"})

GLUE = frozenset({"of", "the", "a", "an", "in", "de", "du", "des", "la", "le", "les", "l", "d",
                  "en", "per", "par", "and", "et", "s", "to"})  # fmt: skip
"""Words dropped from field names ("Date of hire"); other stop words may be part of a name."""
