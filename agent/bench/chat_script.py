"""The scripted conversations of `shopwise bench chat` on the icecat-electronics catalog.

Each turn carries the filters a careful reader would extract (the standing constraints after the
turn). Relative follow-ups ("cheaper") expect a lower price limit than the previous turn's answer
had, written as "<shown". Vocabulary (brands, categories, colour values) is the catalog's own.
A colour is a hard constraint only within a category (icecat keeps a toner's colour in "printing
colours", a notebook's in "product colour"); without one it is a soft preference, not a filter.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScriptedTurn:
    message: str
    expected: dict = field(default_factory=dict)     # Constraints fields (need excluded)


def turn(message: str, **expected) -> ScriptedTurn:
    return ScriptedTurn(message, expected)


COLOUR = "product colour"

ICECAT_CONVERSATIONS: tuple[tuple[ScriptedTurn, ...], ...] = (
    (turn("black toner cartridge from HP under 80", brands=["HP"], price_max=80.0),
     turn("cheaper", brands=["HP"], price_max="<shown"),
     turn("not that brand", price_max="<kept", exclude_brands=["HP"])),
    (turn("a notebook with a touchscreen under 900", category="Notebook", price_max=900.0, attributes={"touchscreen": True}),
     turn("only Lenovo", category="Notebook", price_max=900.0, brands=["Lenovo"], attributes={"touchscreen": True}),
     turn("show me more like the first", category="Notebook", price_max=900.0, brands=["Lenovo"], attributes={"touchscreen": True})),
    (turn("wireless headphones in white", category="Headphones", attributes={COLOUR: "White"}),
     turn("under 100 please", category="Headphones", price_max=100.0, attributes={COLOUR: "White"}),
     turn("not Philips", category="Headphones", price_max=100.0, attributes={COLOUR: "White"}, exclude_brands=["Philips"])),
    (turn("usb c to hdmi adapter from StarTech.com", brands=["StarTech.com"]),
     turn("between 10 and 30 dollars", brands=["StarTech.com"], price_min=10.0, price_max=30.0),
     turn("something from C2G instead", brands=["C2G"], price_min=10.0, price_max=30.0)),
    (turn("UPS battery backup from APC over 200", brands=["APC"], price_min=200.0),
     turn("more expensive", brands=["APC"], price_min=">shown")),
    (turn("Intel processor under 300", brands=["Intel"], category="Processor", price_max=300.0),
     turn("cheaper", brands=["Intel"], category="Processor", price_max="<shown"),
     turn("more like the second one", brands=["Intel"], category="Processor", price_max="<kept")),
    (turn("silver notebook from HP", category="Notebook", brands=["HP"], attributes={COLOUR: "Silver"}),
     turn("under 700", category="Notebook", brands=["HP"], price_max=700.0, attributes={COLOUR: "Silver"})),
    (turn("a drip coffee maker", category="Drip coffee maker"),
     turn("in black", category="Drip coffee maker", attributes={COLOUR: "Black"})),
    (turn("laser printer paper tray for a Brother printer", brands=["Brother"]),
     turn("no more than 150 euros", brands=["Brother"], price_max=150.0)),
    (turn("ink cartridge from Epson around 40", brands=["Epson"], price_min=32.0, price_max=48.0),
     turn("not that brand", price_min=32.0, price_max=48.0, exclude_brands=["Epson"])),
    (turn("a headset with a microphone from Logitech", category="Headset", brands=["Logitech"]),
     turn("cheaper", category="Headset", brands=["Logitech"], price_max="<shown")),
    (turn("network interface card from Intel", category="Network Interface Card", brands=["Intel"]),
     turn("under 150", category="Network Interface Card", brands=["Intel"], price_max=150.0)),
    (turn("Cat6 ethernet cable, not StarTech.com, under 20", exclude_brands=["StarTech.com"], price_max=20.0),
     turn("from Tripp Lite", exclude_brands=["StarTech.com"], price_max=20.0, brands=["Tripp Lite"])),
    (turn("a chromebook under 400", category="Chromebook", price_max=400.0),
     turn("more like the first", category="Chromebook", price_max=400.0)),
    (turn("desktop board from Intel under 200", category="Desktop Board", brands=["Intel"], price_max=200.0),
     turn("cheaper", category="Desktop Board", brands=["Intel"], price_max="<shown")),
    (turn("a workstation from HP", category="Workstation", brands=["HP"]),
     turn("not HP", category="Workstation", exclude_brands=["HP"]),
     turn("under 2000", category="Workstation", exclude_brands=["HP"], price_max=2000.0)),
    (turn("label printer tape from DYMO", brands=["DYMO"]),
     turn("under 25 dollars", brands=["DYMO"], price_max=25.0)),
    (turn("a keyboard with bluetooth from CHERRY", brands=["CHERRY"], attributes={"bluetooth": True}),
     turn("not that brand", exclude_brands=["CHERRY"], attributes={"bluetooth": True})),
    (turn("a black notebook bag from Targus under 60", brands=["Targus"], price_max=60.0),
     turn("from Kensington instead", brands=["Kensington"], price_max=60.0)),
    (turn("an espresso machine", category="Espresso machine"),
     turn("more like the second", category="Espresso machine")),
    (turn("a USB flash drive from Verbatim under 15", brands=["Verbatim"], price_max=15.0),
     turn("from Kingston", brands=["Kingston Technology"], price_max=15.0)),
    (turn("wall mount for a monitor from Newstar between 20 and 80", brands=["Newstar"], price_min=20.0, price_max=80.0),
     turn("cheaper", brands=["Newstar"], price_min=20.0, price_max="<shown")),
    (turn("grey notebook under 1000 from Lenovo", category="Notebook", price_max=1000.0, brands=["Lenovo"],
          attributes={COLOUR: "Grey"}),
     turn("not that brand", category="Notebook", price_max=1000.0, exclude_brands=["Lenovo"], attributes={COLOUR: "Grey"})),
    (turn("I want something", ),
     turn("a wireless router from TP-LINK", brands=["TP-LINK"])),
    (turn("Je cherche un casque pas cher"),
     turn("headphones from Sony", category="Headphones", brands=["Sony"])),
)


def scripted_turns() -> list[tuple[int, ScriptedTurn]]:
    return [(number, step) for number, conversation in enumerate(ICECAT_CONVERSATIONS) for step in conversation]
