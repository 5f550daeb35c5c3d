"""The demo application's texts in Dutch (default), English and Papiamentu, keyed the same."""

from __future__ import annotations

LANGUAGES = ("nl", "en", "pap")
DEFAULT_LANGUAGE = "nl"

TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "app.name": "Mijn Aangifte",
        "app.tagline": "Een demonstratie van een belastingapplicatie die inlogt via het Digitaal Portaal.",
        "layout.skip": "Naar de inhoud",
        "layout.language": "Taal",
        "layout.footer": "Demonstratietoepassing van de Belastingdienst Curaçao — er wordt geen echte aangifte gedaan.",
        "language.nl": "Nederlands",
        "language.en": "English",
        "language.pap": "Papiamentu",
        "home.title": "Welkom bij Mijn Aangifte",
        "home.logged_out": "U bent niet ingelogd. U logt in met uw account van het Digitaal Portaal: wachtwoord en "
                            "tweestapsverificatie. Een belastingadviseur kiest daarna voor welke klant hij werkt.",
        "home.login": "Inloggen via Digitaal Portaal",
        "home.ended.backchannel": "Uw sessie bij Mijn Aangifte is beëindigd, omdat uw sessie bij het Digitaal "
                                  "Portaal is beëindigd.",
        "person.title": "Wie is ingelogd",
        "person.name": "Naam",
        "person.username": "Gebruikersnaam",
        "person.sub": "Kenmerk bij het portaal (sub)",
        "person.crib": "CRIB-nummer",
        "person.email": "E-mailadres",
        "assurance.title": "Hoe is er ingelogd",
        "assurance.acr": "Betrouwbaarheidsniveau (acr)",
        "assurance.amr": "Inlogmethoden (amr)",
        "assurance.auth_time": "Ingelogd op (auth_time)",
        "representation.title": "U handelt namens een klant",
        "representation.client": "Klant (onderwerp van de inlog)",
        "representation.client_crib": "CRIB-nummer van de klant",
        "representation.adviser": "Adviseur die handelt (act)",
        "representation.firm": "Kantoor",
        "representation.authorized": "Waarvoor u gemachtigd bent",
        "representation.tax_type": "Belastingsoort",
        "representation.period": "Tijdvak",
        "representation.none": "Geen machtigingen meegegeven.",
        "representation.own": "U handelt voor uzelf.",
        "logout.button": "Uitloggen",
        "logged_out.title": "U bent uitgelogd",
        "logged_out.text": "U bent uitgelogd bij Mijn Aangifte en bij het Digitaal Portaal.",
        "logged_out.again": "Opnieuw inloggen",
        "error.title": "Inloggen is niet gelukt",
        "error.login": "Het Digitaal Portaal gaf geen geldige inlog terug. Probeer het opnieuw.",
        "error.cancelled": "Het inloggen is afgebroken.",
        "error.unavailable": "Het Digitaal Portaal is nu niet bereikbaar. Probeer het over een ogenblik opnieuw.",
        "error.back": "Terug naar Mijn Aangifte",
        "value.none": "—",
    },
    "en": {
        "app.name": "Mijn Aangifte",
        "app.tagline": "A demonstration tax application that logs in through Digitaal Portaal.",
        "layout.skip": "Skip to content",
        "layout.language": "Language",
        "layout.footer": "Demonstration application of the Curaçao tax authority — no real tax return is filed.",
        "language.nl": "Nederlands",
        "language.en": "English",
        "language.pap": "Papiamentu",
        "home.title": "Welcome to Mijn Aangifte",
        "home.logged_out": "You are not logged in. You log in with your Digitaal Portaal account: password and "
                            "two-step verification. A tax adviser then chooses the client to work for.",
        "home.login": "Log in with Digitaal Portaal",
        "home.ended.backchannel": "Your Mijn Aangifte session has ended because your Digitaal Portaal session "
                                  "ended.",
        "person.title": "Who is logged in",
        "person.name": "Name",
        "person.username": "Username",
        "person.sub": "Identifier at the portal (sub)",
        "person.crib": "CRIB number",
        "person.email": "E-mail address",
        "assurance.title": "How the login was made",
        "assurance.acr": "Assurance level (acr)",
        "assurance.amr": "Login methods (amr)",
        "assurance.auth_time": "Logged in at (auth_time)",
        "representation.title": "You act on behalf of a client",
        "representation.client": "Client (subject of the login)",
        "representation.client_crib": "Client's CRIB number",
        "representation.adviser": "Adviser acting (act)",
        "representation.firm": "Firm",
        "representation.authorized": "What you are authorized for",
        "representation.tax_type": "Tax type",
        "representation.period": "Period",
        "representation.none": "No authorizations were passed on.",
        "representation.own": "You act for yourself.",
        "logout.button": "Log out",
        "logged_out.title": "You are logged out",
        "logged_out.text": "You are logged out of Mijn Aangifte and of Digitaal Portaal.",
        "logged_out.again": "Log in again",
        "error.title": "The login did not succeed",
        "error.login": "Digitaal Portaal did not return a valid login. Please try again.",
        "error.cancelled": "The login was cancelled.",
        "error.unavailable": "Digitaal Portaal cannot be reached right now. Please try again in a moment.",
        "error.back": "Back to Mijn Aangifte",
        "value.none": "—",
    },
    "pap": {
        "app.name": "Mijn Aangifte",
        "app.tagline": "Un aplikashon di demostrashon di belasting ku ta drenta via Digitaal Portaal.",
        "layout.skip": "Bai na e kontenido",
        "layout.language": "Idioma",
        "layout.footer": "Aplikashon di demostrashon di Belastingdienst Kòrsou — no ta hasi un deklarashon di "
                         "bèrdat.",
        "language.nl": "Nederlands",
        "language.en": "English",
        "language.pap": "Papiamentu",
        "home.title": "Bon bini na Mijn Aangifte",
        "home.logged_out": "Bo no a drenta. Bo ta drenta ku bo kuenta di Digitaal Portaal: kontraseña i "
                            "verifikashon den dos paso. Un konsehero di belasting ta skohe despues pa kua kliente "
                            "e ta traha.",
        "home.login": "Drenta via Digitaal Portaal",
        "home.ended.backchannel": "Bo sesion na Mijn Aangifte a terminá, pasobra bo sesion na Digitaal Portaal a "
                                  "terminá.",
        "person.title": "Ken a drenta",
        "person.name": "Nòmber",
        "person.username": "Nòmber di usuario",
        "person.sub": "Identifikashon na e portal (sub)",
        "person.crib": "Number di CRIB",
        "person.email": "Adrès di e-mail",
        "assurance.title": "Kon a drenta",
        "assurance.acr": "Nivel di siguridat (acr)",
        "assurance.amr": "Métodonan di drenta (amr)",
        "assurance.auth_time": "A drenta riba (auth_time)",
        "representation.title": "Bo ta aktua na nòmber di un kliente",
        "representation.client": "Kliente (sujeto di e login)",
        "representation.client_crib": "Number di CRIB di e kliente",
        "representation.adviser": "Konsehero ku ta aktua (act)",
        "representation.firm": "Ofisina",
        "representation.authorized": "Pa kiko bo tin outorisashon",
        "representation.tax_type": "Tipo di belasting",
        "representation.period": "Periodo",
        "representation.none": "No a pasa outorisashon.",
        "representation.own": "Bo ta aktua pa bo mes.",
        "logout.button": "Sali",
        "logged_out.title": "Bo a sali",
        "logged_out.text": "Bo a sali for di Mijn Aangifte i for di Digitaal Portaal.",
        "logged_out.again": "Drenta atrobe",
        "error.title": "Drenta no a bai bon",
        "error.login": "Digitaal Portaal no a duna un login válido bèk. Purba atrobe.",
        "error.cancelled": "A stop di drenta.",
        "error.unavailable": "Digitaal Portaal no ta alkansabel awor. Purba atrobe den un ratu.",
        "error.back": "Bèk na Mijn Aangifte",
        "value.none": "—",
    },
}


def pick_language(query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """`?lang=`, then the demo's own cookie, then the browser's first language we speak; Dutch otherwise."""
    for candidate in (query, cookie):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower().split("-")[0]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
