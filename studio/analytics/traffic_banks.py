"""What the demo traffic says: per-domain questions the knowledge base answers and questions it
cannot (the knowledge gaps), small talk, and the replies (studio.analytics.traffic)."""

from __future__ import annotations

SMALL_TALK = ("Hi there!", "Hello, anyone there?", "Thanks, that's all. Bye!", "Thank you, bye")
BANKS: dict[str, tuple[list[str], list[str]]] = {
    # template key: (questions the knowledge base answers, questions it cannot: the gaps)
    "ecommerce_support": (
        [
            "Where is my order #{n}? It was supposed to arrive yesterday.",
            "How do I return a pair of shoes that don't fit?",
            "When will I get my refund for order {n}?",
            "Can I change the delivery address of my order?",
            "This is the third time my package is late, I'm really annoyed!",
            "Do you offer free shipping over a certain amount?",
            "My item arrived damaged, what can I do?",
            "How long does standard delivery take?",
            "I was charged twice for the same order, please fix this urgently",
            "Can I exchange a jacket for a bigger size?",
        ],
        [
            "Do you ship to Antarctica?",
            "Can I pay with cryptocurrency?",
            "Do you ship to Antarctica research stations?",
            "Is there a student discount?",
            "Can I pay in bitcoin or other cryptocurrency?",
        ],
    ),
    "saas_tech_support": (
        [
            "I can't log in, the password reset email never arrives",
            "How do I invite a teammate to my workspace?",
            "The dashboard is down for our whole team, this is urgent!",
            "How do I export my data to CSV?",
            "What is the difference between the Pro and Business plans?",
            "The app keeps crashing when I upload a file",
            "How do I set up single sign-on?",
            "Can I change the billing email?",
        ],
        [
            "Do you have an on-premise version?",
            "Is there an API rate limit for webhooks?",
            "Do you offer an on-premise installation?",
            "Does it integrate with SAP?",
        ],
    ),
    "b2b_sales": (
        [
            "What does the enterprise plan cost for 200 seats?",
            "Can we get a demo next week?",
            "How does your product compare to the competition?",
            "We want to buy licenses for our team, how do we proceed?",
            "Do you offer volume discounts?",
        ],
        [
            "Do you have a reseller program in Brazil?",
            "Are you SOC 2 Type II certified?",
            "Do you have resellers in South America?",
        ],
    ),
    "clinic_patient_support": (
        [
            "How do I book an appointment with a dermatologist?",
            "Can I reschedule my appointment on Friday?",
            "What are your opening hours on Saturday?",
            "I have severe chest pain, what should I do?",
            "Where can I find my lab results?",
        ],
        [
            "Do you accept travel insurance from abroad?",
            "Is parking available for wheelchair vans?",
            "Do you accept foreign travel insurance?",
        ],
    ),
    "onboarding_guide": (
        [
            "What documents do I need to open an account?",
            "How long does the identity check take?",
            "My ID verification failed, I'm worried",
            "How do I order a debit card?",
            "Can I open a joint account?",
        ],
        [
            "Can I open an account as a non-resident?",
            "Do you support accounts for minors?",
            "Can non-residents open an account online?",
        ],
    ),
}
REPLIES = {
    True: "Here is what our help center says [1]. Anything else I can help with?",
    False: "I'm sorry, I couldn't find that in our documentation. Shall I connect you to a person?",
}
