from django.urls import path

from kabinet.ivr import views

app_name = "ivr"

urlpatterns = [
    # Twilio Voice: the number's "A call comes in" webhook, then each <Gather>'s action.
    path("twilio/voice/", views.twilio_voice, name="twilio-voice"),
    path("twilio/step/<int:step>/", views.twilio_step, name="twilio-step"),
]
