import SurveyIO
